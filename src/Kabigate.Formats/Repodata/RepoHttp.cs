using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Kabigate.Formats.Repodata;

/// <summary>
/// HTTP for repositories: GET with a timeout on connecting, on the response headers and on every read of the body
/// (a stall, so a large file on a slow link still arrives) and a total deadline per request (so a body dripped a byte at
/// a time does not keep it for hours), a cap on the body, redirects followed only to http(s) on the same host and port
/// (unless configured) and never from https to http, and every failure turned into a one-line
/// <see cref="ModuleFormatException"/> naming the URL.
/// </summary>
/// <remarks>
/// The public API is synchronous like the rest of the library; the transfer runs asynchronously underneath (that is
/// what makes per-read timeouts possible) with <c>ConfigureAwait(false)</c> throughout, so blocking on it cannot
/// deadlock. Content-Encoding is never decoded: checksums are of the bytes as stored.
/// </remarks>
internal sealed class RepoHttp : IDisposable
{
    private const int BufferSize = 128 * 1024;
    private const int MaxRedirects = 10;

    private readonly HttpClient _client;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _totalTimeout;
    private readonly bool _redirectsToOtherHosts;

    public RepoHttp(RpmRepositoryOptions options)
    {
        _timeout = options.Timeout;
        _totalTimeout = options.TotalTimeout > TimeSpan.Zero ? options.TotalTimeout : Timeout.InfiniteTimeSpan;
        _redirectsToOtherHosts = options.RedirectsToOtherHosts;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = _timeout,
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("kabigate");
    }

    /// <summary>Fetches a small resource into memory.</summary>
    /// <exception cref="ModuleFormatException">The host cannot be reached, answers with an error, times out, or sends more than <paramref name="maxBytes"/>.</exception>
    public byte[] GetBytes(Uri uri, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        CopyAsync(uri, buffer, hash: null, maxBytes, null, cancellationToken).GetAwaiter().GetResult();
        return buffer.ToArray();
    }

    /// <summary>
    /// A conditional GET (<c>If-None-Match</c>, <c>If-Modified-Since</c>): a 304 answer returns no body, so a poll of
    /// an unchanged resource costs one small request.
    /// </summary>
    /// <exception cref="ModuleFormatException">As for <see cref="GetBytes"/>.</exception>
    public ConditionalResponse GetIfChanged(Uri uri, string? etag, string? lastModified, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var validators = new Validators(etag, lastModified);
        var (notModified, newEtag, newLastModified) = CopyAsync(uri, buffer, hash: null, maxBytes, validators, cancellationToken).GetAwaiter().GetResult();
        return new ConditionalResponse(notModified, notModified ? null : buffer.ToArray(), newEtag, newLastModified);
    }

    /// <summary>Downloads into <paramref name="destination"/>, hashing the bytes on the way.</summary>
    /// <returns>The checksum in lower-case hexadecimal.</returns>
    /// <exception cref="ModuleFormatException">The host cannot be reached, answers with an error, times out, or sends more than <paramref name="maxBytes"/>.</exception>
    /// <exception cref="IOException">The destination cannot be written.</exception>
    public string Download(Uri uri, Stream destination, HashAlgorithmName algorithm, long maxBytes, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(algorithm);
        CopyAsync(uri, destination, hash, maxBytes, null, cancellationToken).GetAwaiter().GetResult();
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public void Dispose() => _client.Dispose();

    private async Task<(bool NotModified, string? ETag, string? LastModified)> CopyAsync(Uri uri, Stream destination, IncrementalHash? hash, long maxBytes, Validators? validators, CancellationToken cancellationToken)
    {
        string source = uri.ToString();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_totalTimeout);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        timeout.CancelAfter(_timeout);
        var clock = new Deadline(deadline, cancellationToken, Seconds(_totalTimeout));
        using var response = await SendFollowingAsync(uri, source, timeout, clock, validators).ConfigureAwait(false);
        string? etag = response.Headers.NonValidated.TryGetValues("ETag", out var tags) ? tags.FirstOrDefault() : null;
        string? modified = response.Content.Headers.NonValidated.TryGetValues("Last-Modified", out var dates) ? dates.FirstOrDefault() : null;
        if (validators is not null && response.StatusCode == HttpStatusCode.NotModified)
            return (true, etag ?? validators.ETag, modified ?? validators.LastModified);
        if (!response.IsSuccessStatusCode)
            throw new ModuleFormatException(source, Messages.HttpStatus((int)response.StatusCode, response.ReasonPhrase));
        if (response.Content.Headers.ContentLength is long declared && declared > maxBytes)
            throw new ModuleFormatException(source, Messages.DownloadTooLarge(maxBytes));

        var buffer = new byte[BufferSize];
        long total = 0;
        using var body = await BodyAsync(response, source, timeout.Token, clock).ConfigureAwait(false);
        while (true)
        {
            // Each read gets the whole timeout again: a stall fails, a slow but steady transfer does not.
            timeout.CancelAfter(_timeout);
            int read = await ReadAsync(body, buffer, source, total, timeout.Token, clock).ConfigureAwait(false);
            if (read == 0)
                break;
            total += read;
            if (total > maxBytes)
                throw new ModuleFormatException(source, Messages.DownloadTooLarge(maxBytes));
            hash?.AppendData(buffer, 0, read);
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }
        return (false, etag, modified);
    }

    private async Task<Stream> BodyAsync(HttpResponseMessage response, string source, CancellationToken timeoutToken, Deadline clock)
    {
        try
        {
            return await response.Content.ReadAsStreamAsync(timeoutToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!clock.Cancelled)
        {
            throw new ModuleFormatException(source, clock.Passed ? clock.Message(0) : Messages.HttpStalled(Seconds(_timeout), 0));
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new ModuleFormatException(source, Messages.HttpBodyFailed(Describe(e), 0), inner: e);
        }
    }

    /// <summary>One read of the body; only faults of the connection are translated, never of the destination.</summary>
    private async Task<int> ReadAsync(Stream body, byte[] buffer, string source, long total, CancellationToken timeoutToken, Deadline clock)
    {
        try
        {
            return await body.ReadAsync(buffer, timeoutToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!clock.Cancelled)
        {
            throw new ModuleFormatException(source, clock.Passed ? clock.Message(total) : Messages.HttpStalled(Seconds(_timeout), total));
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new ModuleFormatException(source, Messages.HttpBodyFailed(Describe(e), total), inner: e);
        }
    }

    /// <summary>Sends the request and follows redirects that stay on http(s), never leave https, and (unless allowed) stay on the host.</summary>
    private async Task<HttpResponseMessage> SendFollowingAsync(Uri uri, string source, CancellationTokenSource timeout, Deadline clock, Validators? validators)
    {
        var current = uri;
        for (int redirects = 0; ; redirects++)
        {
            var response = await SendAsync(current, source, timeout.Token, clock, validators).ConfigureAwait(false);
            if ((int)response.StatusCode is not (301 or 302 or 303 or 307 or 308))
                return response;
            try
            {
                if (redirects == MaxRedirects)
                    throw new ModuleFormatException(source, Messages.TooManyRedirects(MaxRedirects));
                // The raw header: the typed one is parsed by rules of its own and can be null or throw for odd values.
                string? location = response.Headers.NonValidated.TryGetValues("Location", out var values) ? values.FirstOrDefault() : null;
                current = RedirectTarget(current, location, _redirectsToOtherHosts, source);
            }
            finally
            {
                response.Dispose();
            }

            timeout.CancelAfter(_timeout);
        }
    }

    /// <summary>Where a redirect from <paramref name="from"/> to <paramref name="location"/> leads, if it may be followed.</summary>
    /// <exception cref="ModuleFormatException">The location is missing, not http(s), leaves https for http, or (unless allowed) another host or port.</exception>
    internal static Uri RedirectTarget(Uri from, string? location, bool redirectsToOtherHosts, string source)
    {
        if (string.IsNullOrWhiteSpace(location) || !Uri.TryCreate(from, location.Trim(), out var target))
            throw new ModuleFormatException(source, Messages.RedirectRefused(location ?? "", Messages.RedirectWithoutLocation));
        string shown = location.Trim();
        if (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps)
            throw new ModuleFormatException(source, Messages.RedirectRefused(shown, Messages.RedirectNotHttp));
        if (from.Scheme == Uri.UriSchemeHttps && target.Scheme == Uri.UriSchemeHttp)
            throw new ModuleFormatException(source, Messages.RedirectRefused(shown, Messages.RedirectDowngrade));
        // The same host and port; an upgrade from http on its default port to https on its own counts as the same.
        bool upgrade = from.Scheme == Uri.UriSchemeHttp && target.Scheme == Uri.UriSchemeHttps && from.IsDefaultPort && target.IsDefaultPort;
        bool sameHost = string.Equals(target.IdnHost, from.IdnHost, StringComparison.OrdinalIgnoreCase) && (target.Port == from.Port || upgrade);
        if (!redirectsToOtherHosts && !sameHost)
            throw new ModuleFormatException(source, Messages.RedirectRefused(shown, Messages.RedirectOtherHost));
        return target;
    }

    private async Task<HttpResponseMessage> SendAsync(Uri uri, string source, CancellationToken timeoutToken, Deadline clock, Validators? validators)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        // Validators are the server's own strings, sent back as they came (TryAdd: a malformed one is dropped, not thrown).
        if (validators?.ETag is { } etag)
            request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        if (validators?.LastModified is { } modified)
            request.Headers.TryAddWithoutValidation("If-Modified-Since", modified);
        try
        {
            return await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeoutToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!clock.Cancelled)
        {
            throw new ModuleFormatException(source, clock.Passed ? clock.Message(0) : Messages.HttpTimeout(Seconds(_timeout)));
        }
        catch (HttpRequestException e)
        {
            throw new ModuleFormatException(source, Messages.HttpUnreachable(Describe(e)), inner: e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever else the HTTP stack throws for what a server sent is that server's fault, in one line.
            throw new ModuleFormatException(source, Messages.HttpUnreachable(Describe(e)), inner: e);
        }
    }

    private sealed record Validators(string? ETag, string? LastModified);

    /// <summary>A request's total deadline, and whether the caller cancelled instead.</summary>
    private sealed class Deadline(CancellationTokenSource deadline, CancellationToken cancellationToken, string seconds)
    {
        public bool Cancelled => cancellationToken.IsCancellationRequested;

        public bool Passed => deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested;

        public string Message(long received) => Messages.HttpDeadline(seconds, received);
    }

    /// <summary>One line for a network failure: the socket's own words where there are some (“Connection refused”).</summary>
    private static string Describe(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
                return socket.Message;
        }

        // HttpClient's outer message is generic ("An error occurred while sending the request."); the inner one says what.
        var detail = e.InnerException?.Message ?? e.Message;
        return detail.ReplaceLineEndings(" ");
    }

    private static string Seconds(TimeSpan timeout) => timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>What a conditional GET got.</summary>
/// <param name="NotModified">The server answered 304: the resource is as it was.</param>
/// <param name="Body">The body, or null when not modified.</param>
/// <param name="ETag">The resource's entity tag, or null.</param>
/// <param name="LastModified">Its <c>Last-Modified</c> date as the server wrote it, or null.</param>
internal sealed record ConditionalResponse(bool NotModified, byte[]? Body, string? ETag, string? LastModified);
