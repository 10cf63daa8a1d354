using System.Diagnostics;

namespace Kabigate.Tests.Support;

/// <summary>Runs command-line tools (xz, zstd, gzip, dpkg-deb, tar) the tests use to make and check fixtures.</summary>
internal static class ExternalTool
{
    /// <summary>Runs a tool, feeding it <paramref name="stdin"/>, and returns its stdout; fails on a non-zero exit.</summary>
    public static byte[] Run(string tool, IEnumerable<string> arguments, byte[]? stdin = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(tool)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
            psi.WorkingDirectory = workingDirectory;
        foreach (string argument in arguments)
            psi.ArgumentList.Add(argument);

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start '{tool}'");
        var stdout = new MemoryStream();
        var copyOut = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var readErr = process.StandardError.ReadToEndAsync();
        var feed = Task.Run(() =>
        {
            using var input = process.StandardInput.BaseStream;
            if (stdin is not null)
                input.Write(stdin);
        });
        Task.WaitAll(copyOut, readErr, feed);
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"'{tool} {string.Join(' ', arguments)}' exited {process.ExitCode}: {readErr.Result}");
        return stdout.ToArray();
    }

    /// <summary>Compresses with the real tool: <c>gzip</c>, <c>xz</c> or <c>zstd</c>, plus options.</summary>
    public static byte[] Compress(string tool, byte[] data, params string[] options) =>
        Run(tool, [.. options, "-c"], data);
}

/// <summary>A temporary directory, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("kabigate-test-").FullName;

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory is not a test failure.
        }
    }
}
