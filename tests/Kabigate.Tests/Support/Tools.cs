using System.Diagnostics;

namespace Kabigate.Tests.Support;

/// <summary>
/// Runs the real tools the tests make fixtures with and compare against (depmod, rpm, xz, zstd, gzip, dpkg-deb, tar,
/// xorriso, dnf, ...): the one process runner of the tests. stdin is fed, stdout and stderr are read concurrently,
/// so no pipe fills up.
/// </summary>
internal static class Tools
{
    /// <summary>Runs a tool and returns its exit code, stdout as bytes, and stderr.</summary>
    public static (int ExitCode, byte[] Stdout, string Stderr) Execute(string file, IEnumerable<string> arguments, byte[]? stdin = null,
        string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
            info.WorkingDirectory = workingDirectory;
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start '{file}'");
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
        return (process.ExitCode, stdout.ToArray(), readErr.Result);
    }

    /// <summary>Runs a tool; returns its exit code, stdout and stderr as text.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string file, params string[] args)
    {
        var (code, stdout, stderr) = Execute(file, args);
        return (code, System.Text.Encoding.UTF8.GetString(stdout), stderr);
    }

    /// <summary>Runs a tool and returns its stdout as text; fails on a non-zero exit.</summary>
    public static string RunOk(string file, params string[] args) => System.Text.Encoding.UTF8.GetString(RunBytes(file, args));

    /// <summary>Runs a tool, feeding it <paramref name="stdin"/>, and returns its stdout as bytes; fails on a non-zero exit.</summary>
    public static byte[] RunBytes(string file, IEnumerable<string> arguments, byte[]? stdin = null, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var list = arguments.ToList();
        var (code, stdout, stderr) = Execute(file, list, stdin, workingDirectory, environment);
        if (code != 0)
            throw new InvalidOperationException($"'{file} {string.Join(' ', list)}' exited {code}: {stderr}");
        return stdout;
    }

    /// <summary>Compresses with the real tool: <c>gzip</c>, <c>xz</c>, <c>zstd</c>, ..., plus options.</summary>
    public static byte[] Compress(string tool, byte[] data, params string[] options) => RunBytes(tool, [.. options, "-c"], data);

    /// <summary>Extracts one member of a .deb with dpkg-deb and tar, independently of kabigate's reader.</summary>
    public static string ExtractFromDeb(string deb, string pattern, string destination)
    {
        Directory.CreateDirectory(destination);
        RunOk("bash", "-c", $"dpkg-deb --fsys-tarfile '{deb}' | tar -x -C '{destination}' --wildcards '{pattern}'");
        return destination;
    }
}
