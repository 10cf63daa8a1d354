using Kabigate.Formats;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Kabigate.Build;

/// <summary>One build of a recipe against one kernel's headers.</summary>
/// <param name="Recipe">The recipe.</param>
/// <param name="Release">The kernel release it is built for (DKMS's <c>$kernelver</c>).</param>
/// <param name="Headers">The headers directory (<c>$kernel_source_dir</c>), or a kernel-devel RPM (extracted into the scratch directory, see <see cref="KernelDevel"/>).</param>
/// <param name="ScratchRoot">Where the build's own scratch directory is made (and removed afterwards).</param>
/// <param name="LogPath">Where the full log goes (kept).</param>
/// <param name="OutputDirectory">Where the built modules are copied.</param>
/// <param name="Timeout">How long the build may run before it is killed (with every process it started).</param>
/// <param name="Signing">Signs the built modules with the headers' scripts/sign-file, or null.</param>
public sealed record BuildJob(PreparedRecipe Recipe, string Release, string Headers, string ScratchRoot, string LogPath, string OutputDirectory, TimeSpan Timeout, ModuleSigning? Signing = null);

/// <summary>How a build ended.</summary>
public enum BuildStatus : byte
{
    /// <summary>It exited 0 and left every module the recipe names.</summary>
    Built,

    /// <summary>It exited non-zero, or left a module missing.</summary>
    Failed,

    /// <summary>It ran past its timeout and was killed.</summary>
    TimedOut,
}

/// <summary>The result of one build.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="ModuleFiles">The built modules, copied into the job's output directory.</param>
/// <param name="LogPath">The full log.</param>
/// <param name="FirstError">The compiler's (or make's) first error line, for a failure.</param>
/// <param name="Duration">Wall time.</param>
public sealed record BuildOutcome(BuildStatus Status, IReadOnlyList<string> ModuleFiles, string LogPath, string? FirstError, TimeSpan Duration)
{
    /// <summary>The packages the build itself made and the modules were taken from (an SRPM's kmod RPM), copied into the output directory; empty for other recipes, and when the modules were signed afterwards.</summary>
    public IReadOnlyList<string> Packages { get; init; } = [];
}

/// <summary>
/// Runs builds the way their recipe says, each in its own scratch directory, with a timeout and a full log.
/// A kbuild recipe: <c>make -C HEADERS M=SCRATCH/src [make_args] modules</c>, no shell. A DKMS recipe: its tree is
/// copied to <c>SCRATCH/dkms/NAME/VERSION/build</c> (so <c>${dkms_tree}/${PACKAGE_NAME}/${PACKAGE_VERSION}/build</c>
/// is that copy), its PATCH[]es applied with <c>patch -p1</c>, then its MAKE command run by
/// <c>bash --noprofile --norc -c</c> in the build directory, as DKMS evaluates it, with an environment holding only
/// PATH, HOME (the scratch directory), LC_ALL=C and DKMS's variables (kernelver, kernel_source_dir, dkms_tree,
/// source_tree, arch, PACKAGE_NAME, PACKAGE_VERSION). That is DKMS's own trust model (the package's build commands
/// run with the caller's rights), not a sandbox: the scratch directory, the clean environment and the timeout keep
/// one build from seeing another's files or the caller's variables, and nothing else. An SRPM recipe: see
/// <see cref="RunSrpm"/>. Headers given as a kernel-devel RPM are extracted into the scratch directory first.
/// </summary>
public static partial class BuildExecutor
{
    [GeneratedRegex(@"(: (fatal )?error: |^ERROR: modpost: |: undefined reference to )")]
    private static partial Regex ErrorLine();

    [GeneratedRegex(@"^make(\[\d+\])?: \*\*\* ")]
    private static partial Regex MakeError();

    private static readonly Lazy<string> CompilerVersion = new(() => FirstLineOf("gcc", "--version") ?? "gcc: not found");

    /// <summary>The compiler kbuild runs (<c>gcc --version</c>'s first line; kbuild's CC is <c>gcc</c> from PATH).</summary>
    public static string Compiler => CompilerVersion.Value;

    /// <summary>Runs one build.</summary>
    /// <param name="job">What to build.</param>
    /// <param name="cancel">Cancels the build (its processes are killed).</param>
    public static BuildOutcome Run(BuildJob job, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(job.ScratchRoot);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(job.LogPath))!);
        var scratch = Path.Combine(Path.GetFullPath(job.ScratchRoot), $"{job.Recipe.Name}-{job.Release}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..8]}");
        Directory.CreateDirectory(scratch);
        using var log = new StreamWriter(job.LogPath, append: false) { AutoFlush = true };
        try
        {
            var recipe = job.Recipe;
            log.WriteLine($"# kabigate rebuild: recipe {recipe.Name} ({recipe.Entry.Kind}, digest {recipe.Digest}) for {job.Release}");
            log.WriteLine($"# headers {job.Headers}; compiler {Compiler}; scratch {scratch}");
            string buildDir = scratch;
            BuildStatus status = BuildStatus.Built;
            string? missing = null, signingFailure = null;
            IReadOnlyList<string> packages = [];
            var headers = job.Headers;
            if (KernelDevel.IsPackage(headers))
            {
                try
                {
                    headers = KernelDevel.Extract(job.Headers, job.Release, Path.Combine(scratch, "kernel-devel"), log);
                }
                catch (ModuleFormatException e)
                {
                    (status, missing) = (BuildStatus.Failed, "the kernel-devel package cannot be used: " + e.Message);
                    log.WriteLine($"# kabigate: {missing}");
                }
            }
            if (status != BuildStatus.Built)
            {
                // The headers could not be had: nothing ran.
            }
            else if (recipe.Srpm is { } srpm)
            {
                buildDir = Path.Combine(scratch, "kmod");
                (status, packages, missing) = RunSrpm(log, srpm, job, headers, scratch, buildDir, cancel);
            }
            else if (recipe.Dkms is { } dkms)
            {
                var dkmsTree = Path.Combine(scratch, "dkms");
                buildDir = Path.Combine(dkmsTree, dkms.PackageName, dkms.PackageVersion, "build");
                CopyTree(recipe.SourceDirectory, buildDir);
                status = BuildStatus.Built;
                foreach (var patch in dkms.PatchesFor(job.Release))
                {
                    status = Execute(log, buildDir, job.Timeout, cancel, Environment(scratch, []), "patch", "-p1", "-i", Path.Combine(buildDir, "patches", patch));
                    if (status != BuildStatus.Built)
                        break;
                }
                if (status == BuildStatus.Built)
                {
                    var variables = new Dictionary<string, string>(StringComparer.Ordinal)
                    {
                        ["kernelver"] = job.Release,
                        ["kernel_source_dir"] = headers,
                        ["dkms_tree"] = dkmsTree,
                        ["source_tree"] = Path.GetDirectoryName(recipe.SourceDirectory) ?? recipe.SourceDirectory,
                        ["arch"] = KernelHeaders.ArchOf(job.Release),
                        ["PACKAGE_NAME"] = dkms.PackageName,
                        ["PACKAGE_VERSION"] = dkms.PackageVersion,
                    };
                    status = Execute(log, buildDir, job.Timeout, cancel, Environment(scratch, variables), "bash", "--noprofile", "--norc", "-c", dkms.MakeFor(job.Release));
                }
            }
            else
            {
                buildDir = Path.Combine(scratch, "src");
                CopyTree(recipe.SourceDirectory, buildDir);
                status = Execute(log, buildDir, job.Timeout, cancel, Environment(scratch, []),
                    ["make", "-C", headers, $"M={buildDir}", .. recipe.Entry.MakeArguments, "modules"]);
            }
            var modules = new List<string>();
            if (status == BuildStatus.Built)
            {
                Directory.CreateDirectory(job.OutputDirectory);
                foreach (var name in recipe.Modules)
                {
                    var location = recipe.Dkms?.Modules.First(m => m.Name == name).Location ?? "";
                    var built = Path.Combine(buildDir, location, name + ".ko");
                    if (!File.Exists(built))
                    {
                        missing = $"the build left no {Path.Combine(location, name + ".ko")}";
                        log.WriteLine($"# kabigate: {missing}");
                        status = BuildStatus.Failed;
                        break;
                    }
                    var output = Path.Combine(job.OutputDirectory, name + ".ko");
                    File.Copy(built, output, overwrite: true);
                    modules.Add(output);
                }
            }
            if (status == BuildStatus.Built && job.Signing is { } signing)
            {
                foreach (var module in modules)
                {
                    signingFailure = signing.Sign(headers, module, log, job.LogPath, job.Timeout, cancel);
                    if (signingFailure is not null)
                    {
                        log.WriteLine($"# kabigate: {signingFailure}");
                        status = BuildStatus.Failed;
                        break;
                    }
                }
            }
            var madePackages = new List<string>();
            if (status == BuildStatus.Built && packages.Count > 0)
            {
                if (job.Signing is not null)
                {
                    log.WriteLine("# kabigate: the kmod package rpmbuild made holds the unsigned modules: not offered (--package rpm makes one of the signed modules)");
                }
                else
                {
                    foreach (var package in packages)
                    {
                        var output = Path.Combine(job.OutputDirectory, Path.GetFileName(package));
                        File.Copy(package, output, overwrite: true);
                        madePackages.Add(output);
                    }
                }
            }
            log.Flush();
            string? firstError = status switch
            {
                BuildStatus.Built => null,
                BuildStatus.TimedOut => $"killed after {job.Timeout.TotalSeconds:0} s (timeout)",
                _ => signingFailure ?? FirstError(job.LogPath) ?? missing,
            };
            log.WriteLine($"# kabigate: {status.ToString().ToLowerInvariant()} in {clock.Elapsed.TotalSeconds:0.0} s");
            return new BuildOutcome(status, status == BuildStatus.Built ? modules : [], job.LogPath, firstError, clock.Elapsed) { Packages = status == BuildStatus.Built ? madePackages : [] };
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>The first line of a log that says error: the compiler's, modpost's or the linker's, else make's <c>***</c> line.</summary>
    public static string? FirstError(string logPath)
    {
        ArgumentNullException.ThrowIfNull(logPath);
        string? makeLine = null, rpmLine = null;
        foreach (var line in File.ReadLines(logPath))
        {
            if (line.StartsWith('#'))
                continue;
            if (ErrorLine().IsMatch(line))
                return line.Trim();
            makeLine ??= MakeError().IsMatch(line) ? line.Trim() : null;
            rpmLine ??= line.StartsWith("error: ", StringComparison.Ordinal) ? line.Trim() : null;
        }
        return makeLine ?? rpmLine;
    }

    private static Dictionary<string, string> Environment(string scratch, Dictionary<string, string> variables)
    {
        var environment = new Dictionary<string, string>(variables, StringComparer.Ordinal)
        {
            ["PATH"] = System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
            ["HOME"] = scratch,
            ["LC_ALL"] = "C",
        };
        return environment;
    }

    internal static BuildStatus Execute(StreamWriter log, string directory, TimeSpan timeout, CancellationToken cancel, Dictionary<string, string> environment, params string[] command)
    {
        var info = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1))
            info.ArgumentList.Add(argument);
        info.Environment.Clear();
        foreach (var (key, value) in environment)
            info.Environment[key] = value;
        lock (log)
            log.WriteLine("$ " + string.Join(' ', command.Select(Quote)));
        using var process = new Process { StartInfo = info };
        DataReceivedEventHandler write = (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (log)
                log.WriteLine(e.Data);
        };
        process.OutputDataReceived += write;
        process.ErrorDataReceived += write;
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            lock (log)
                log.WriteLine($"# kabigate: cannot run {command[0]}: {e.Message}");
            return BuildStatus.Failed;
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using (cancel.Register(() => Kill(process)))
        {
            if (!process.WaitForExit(timeout))
            {
                Kill(process);
                process.WaitForExit();
                return BuildStatus.TimedOut;
            }
            process.WaitForExit();
        }
        cancel.ThrowIfCancellationRequested();
        lock (log)
            log.WriteLine($"# exit {process.ExitCode}");
        return process.ExitCode == 0 ? BuildStatus.Built : BuildStatus.Failed;
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It ended on its own.
        }
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var dir in Directory.EnumerateDirectories(from, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.EnumerateFiles(from, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    private static string Quote(string word) => word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '/' or '.' or '=' or ':' or '+' or ',')
        ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string? FirstLineOf(string tool, string argument)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(tool, argument) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (process is null)
                return null;
            var line = process.StandardOutput.ReadLine();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return line?.Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
