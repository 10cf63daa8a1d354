namespace Kabigate.Build;

/// <summary>
/// A private scratch directory for one package, removed afterwards. Its path goes into a spec and onto rpmbuild's
/// command line, so it must hold nothing rpm or a shell would read as syntax: a temporary folder whose path has a
/// space, a <c>%</c> or a quote is refused (set TMPDIR to a plain one).
/// </summary>
internal sealed class PackagingDirectory : IDisposable
{
    public PackagingDirectory()
    {
        var root = System.IO.Path.GetFullPath(System.IO.Path.GetTempPath());
        if (!root.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '.' or '-' or '+'))
            throw new PackagingException($"the temporary folder '{root}' has characters a spec cannot hold; set TMPDIR to a plain path");
        Path = System.IO.Path.Combine(root, "kabigate-package-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Left for the system's temporary-file cleaner.
        }
    }
}

/// <summary>Runs a packaging or signing tool with a clean environment, its output appended to a build's log.</summary>
internal static class PackagingTools
{
    /// <summary>Runs it; a non-zero exit throws with the tool's last line of output.</summary>
    /// <exception cref="PackagingException">The tool failed, timed out or is not installed.</exception>
    public static void Run(string logPath, string directory, TimeSpan timeout, params string[] command)
    {
        var buffer = new MemoryStream();
        BuildStatus status;
        using (var writer = new StreamWriter(buffer, leaveOpen: true) { AutoFlush = true })
        {
            var environment = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
                ["HOME"] = directory,
                ["LC_ALL"] = "C",
            };
            status = BuildExecutor.Execute(writer, directory, timeout, CancellationToken.None, environment, command);
        }
        var output = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        File.AppendAllText(logPath, output);
        if (status == BuildStatus.Built)
            return;
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault(l => !l.StartsWith("# exit", StringComparison.Ordinal) && !l.StartsWith("$ ", StringComparison.Ordinal));
        var tool = System.IO.Path.GetFileName(command[0]);
        throw new PackagingException(status == BuildStatus.TimedOut
            ? $"{tool} was killed after {timeout.TotalSeconds:0} s"
            : $"{tool} failed{(last is null ? "" : ": " + last)}");
    }
}
