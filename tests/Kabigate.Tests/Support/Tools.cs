using System.Diagnostics;

namespace Kabigate.Tests.Support;

/// <summary>Runs the real tools the tests compare against (depmod, xz, zstd, gzip, dpkg-deb).</summary>
internal static class Tools
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    public static string RunOk(string file, params string[] args)
    {
        var (code, stdout, stderr) = Run(file, args);
        if (code != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {code}: {stderr}");
        return stdout;
    }

    /// <summary>Extracts one member of a .deb with dpkg-deb and tar, independently of kabigate's reader.</summary>
    public static string ExtractFromDeb(string deb, string pattern, string destination)
    {
        Directory.CreateDirectory(destination);
        RunOk("bash", "-c", $"dpkg-deb --fsys-tarfile '{deb}' | tar -x -C '{destination}' --wildcards '{pattern}'");
        return destination;
    }

    public static string TempDir()
    {
        var path = Path.Combine(Path.GetTempPath(), "kabigate-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return path;
    }
}
