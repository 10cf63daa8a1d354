using System.Diagnostics;
using System.Globalization;
using Kabigate.Cli;

namespace Kabigate.Tests.Support;

/// <summary>What a kabigate child process did: its exit code, output, peak resident memory and wall time.</summary>
internal sealed record ChildRun(int ExitCode, string Stdout, string Stderr, long PeakRssBytes, TimeSpan Elapsed)
{
    /// <summary>The stderr lines that are not blank.</summary>
    public IReadOnlyList<string> ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() =>
        $"exit {ExitCode}, peak {PeakRssBytes >> 20} MiB, {Elapsed.TotalSeconds:0.0} s; stderr: {Stderr}; stdout: {Stdout[..Math.Min(Stdout.Length, 400)]}";
}

/// <summary>
/// Runs the built CLI (<c>dotnet kabigate.dll ARGS</c>) as a child process under <c>/usr/bin/time</c>, which reports
/// the child's peak RSS from <c>wait4</c>'s rusage once it has exited: exact, unlike sampling <c>/proc</c>.
/// </summary>
internal static class ChildCli
{
    /// <summary>The memory every hostile input must stay under.</summary>
    public const long MemoryCeilingBytes = 512L << 20;

    public static ChildRun Run(TimeSpan limit, params string[] args) => RunAs(limit, null, args);

    /// <summary>Runs as another user (<c>setpriv --reuid/--regid</c>) when <paramref name="uid"/> is given.</summary>
    public static ChildRun RunAs(TimeSpan limit, int? uid, params string[] args)
    {
        var report = Path.Combine(Path.GetTempPath(), $"kabigate-rss-{Guid.NewGuid():N}");
        var info = new ProcessStartInfo("/usr/bin/time") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var command = new List<string> { "-f", "%M", "-o", report };
        if (uid is int id)
            command.AddRange(["setpriv", $"--reuid={id}", $"--regid={id}", "--clear-groups"]);
        command.AddRange(["dotnet", typeof(KabigateApp).Assembly.Location, .. args]);
        foreach (var arg in command)
            info.ArgumentList.Add(arg);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_gcServer"] = "0";
        if (uid is not null)
        {
            info.Environment["HOME"] = Path.GetTempPath();
            info.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"kabigate {string.Join(' ', args)} did not finish within {limit.TotalSeconds} s: {stderr.Result}");
        }
        process.WaitForExit();
        clock.Stop();
        try
        {
            // time(1) writes "Command exited with non-zero status N" before the figure when the child fails.
            var figure = File.ReadAllLines(report).Last(l => l.Length > 0);
            long peakKb = long.Parse(figure, CultureInfo.InvariantCulture);
            return new ChildRun(process.ExitCode, stdout.Result, stderr.Result, peakKb * 1024, clock.Elapsed);
        }
        finally
        {
            File.Delete(report);
        }
    }
}

/// <summary>Hostile inputs written by streaming through the real compressors, so that a bomb costs no memory here.</summary>
internal static class Bombs
{
    /// <summary>Writes <paramref name="path"/> as the zstd-compressed bytes <paramref name="write"/> produces.</summary>
    public static void Zstd(string path, Action<Stream> write) => Compress("zstd", ["-q", "-1", "-c"], path, write);

    /// <summary>Writes <paramref name="path"/> as the gzip-compressed bytes <paramref name="write"/> produces.</summary>
    public static void Gzip(string path, Action<Stream> write) => Compress("gzip", ["-1", "-c"], path, write);

    /// <summary>Writes <paramref name="count"/> copies of <paramref name="value"/>, a megabyte at a time.</summary>
    public static void Repeat(Stream stream, byte value, long count)
    {
        var chunk = new byte[1 << 20];
        Array.Fill(chunk, value);
        for (long left = count; left > 0; left -= chunk.Length)
            stream.Write(chunk, 0, (int)Math.Min(left, chunk.Length));
    }

    /// <summary>Writes <paramref name="text"/> <paramref name="count"/> times, batched.</summary>
    public static void Repeat(Stream stream, string text, int count)
    {
        var one = System.Text.Encoding.UTF8.GetBytes(text);
        int batch = Math.Max(1, (1 << 20) / one.Length);
        var chunk = new byte[one.Length * batch];
        for (int i = 0; i < batch; i++)
            one.CopyTo(chunk, i * one.Length);
        for (int left = count; left > 0; left -= batch)
            stream.Write(chunk, 0, one.Length * Math.Min(left, batch));
    }

    public static void Write(Stream stream, string text) => stream.Write(System.Text.Encoding.UTF8.GetBytes(text));

    private static void Compress(string tool, string[] options, string path, Action<Stream> write)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var option in options)
            info.ArgumentList.Add(option);
        using var process = Process.Start(info)!;
        using var output = File.Create(path);
        var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
        using (var input = process.StandardInput.BaseStream)
            write(input);
        copy.GetAwaiter().GetResult();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} failed ({process.ExitCode})");
    }
}
