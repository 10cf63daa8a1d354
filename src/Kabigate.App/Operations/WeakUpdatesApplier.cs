using System.ComponentModel;
using System.Diagnostics;
using Kabigate.Abi;
using Kabigate.Formats.Sources;

namespace Kabigate.App.Operations;

/// <summary>What applying a weak-updates plan did.</summary>
/// <param name="Done">What was done, one line each (<c>linked …</c>, <c>removed …</c>, the depmod runs, a summary).</param>
/// <param name="Errors">What failed, one line each.</param>
public sealed record AppliedLinks(IReadOnlyList<string> Done, IReadOnlyList<string> Errors);

/// <summary>
/// Carries out a weak-updates plan: removes, then creates, symbolic links below <c>ROOT/lib/modules/R/weak-updates/</c>
/// and nowhere else. A link's directory must not be reached through a symbolic link out of the root; a file that is
/// not a link is never replaced or removed. Links are relative (they resolve to the same module inside the root and
/// after a chroot), except under the root <c>/</c>, where they are absolute as weak-modules makes them.
/// </summary>
internal static class WeakUpdatesApplier
{
    private const int MaxSymlinkHops = 40;

    /// <summary>Makes the plan's links and removals; every change is a line of <see cref="AppliedLinks.Done"/>, every failure one of <see cref="AppliedLinks.Errors"/>.</summary>
    public static AppliedLinks Apply(InstalledTree tree, WeakUpdatesPlan plan, bool runDepmod)
    {
        var log = new List<string>();
        var errors = new List<string>();
        var realRoot = RealPath(tree.Root);
        var changed = new SortedSet<string>(StringComparer.Ordinal);
        int removed = 0, linked = 0;
        foreach (var decision in plan.Decisions.Where(d => d.Action == WeakAction.Remove).Concat(plan.Decisions.Where(d => d.Action == WeakAction.Link)))
        {
            var path = tree.PathOf(decision.Kernel, decision.LinkPath);
            try
            {
                RequireInside(tree, realRoot, decision.Kernel, path);
                if (decision.Action == WeakAction.Remove ? Remove(tree, decision, path, log) : Link(tree, decision, path, log))
                {
                    changed.Add(decision.Kernel);
                    if (decision.Action == WeakAction.Remove)
                        removed++;
                    else
                        linked++;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add($"{path}: {e.Message}");
            }
        }
        log.Add(linked + removed == 0 ? "nothing to change" : $"{linked} link(s) created, {removed} removed, in {changed.Count} kernel(s)");
        if (runDepmod)
        {
            foreach (var release in changed)
                Depmod(tree.Root, release, log, errors);
        }
        return new AppliedLinks(log, errors);
    }

    private static bool Remove(InstalledTree tree, WeakDecision decision, string path, List<string> log)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is null)
        {
            if (!info.Exists)
                return false; // already gone
            throw new IOException("not a symbolic link; not removed");
        }
        File.Delete(path);
        log.Add($"removed {path} ({decision.Reason.ToJsonName()})");

        // Like weak-modules' rmdir --parents: drop directories the removal left empty, up to weak-updates/.
        var weak = tree.PathOf(decision.Kernel, "weak-updates");
        for (var dir = Path.GetDirectoryName(path)!; dir.StartsWith(weak + "/", StringComparison.Ordinal) && !Directory.EnumerateFileSystemEntries(dir).Any(); dir = Path.GetDirectoryName(dir)!)
            Directory.Delete(dir);
        return true;
    }

    private static bool Link(InstalledTree tree, WeakDecision decision, string path, List<string> log)
    {
        var module = decision.Candidate!;
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        RequireNoLinkedDirectory(tree, decision.Kernel, dir);
        var text = tree.Root == "/" ? module.SystemPath : Path.GetRelativePath(dir, tree.PathOf(module.Release, module.Path));
        var existing = new FileInfo(path);
        if (existing.LinkTarget is string current)
        {
            if (current == text)
                return false;
            throw new IOException($"exists and points to '{current}'; not replaced");
        }
        if (existing.Exists)
            throw new IOException("exists and is not a symbolic link; not replaced");
        File.CreateSymbolicLink(path, text);
        log.Add($"linked {path} -> {text}");
        return true;
    }

    /// <summary>Refuses a path outside <c>ROOT/lib/modules/R/weak-updates/</c>, or a kernel directory that leads out of the root.</summary>
    private static void RequireInside(InstalledTree tree, string realRoot, string release, string path)
    {
        var weak = tree.PathOf(release, "weak-updates");
        if (!Path.GetFullPath(path).StartsWith(weak + "/", StringComparison.Ordinal))
            throw new IOException($"not below {weak}; refused");
        if (!InstalledKernelsReader.IsInside(realRoot, RealPath(tree.PathOf(release, ""))))
            throw new IOException($"the kernel directory leads outside the root {tree.Root}; refused");
        RequireNoLinkedDirectory(tree, release, Path.GetDirectoryName(path)!);
    }

    /// <summary>Refuses to write through a symbolic link between weak-updates/ and the link's directory.</summary>
    private static void RequireNoLinkedDirectory(InstalledTree tree, string release, string dir)
    {
        var weak = tree.PathOf(release, "weak-updates");
        for (var d = dir; d.Length >= weak.Length; d = Path.GetDirectoryName(d)!)
        {
            if (new DirectoryInfo(d).LinkTarget is not null)
                throw new IOException($"{d} is a symbolic link; refusing to write through it");
            if (d == weak)
                break;
        }
    }

    /// <summary>realpath(3) in managed code: every symbolic link of the path resolved.</summary>
    /// <exception cref="IOException">Too many levels of symbolic links.</exception>
    internal static string RealPath(string path)
    {
        var pending = new List<string>(Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries));
        var result = "/";
        var hops = 0;
        while (pending.Count > 0)
        {
            var part = pending[0];
            pending.RemoveAt(0);
            if (part == ".")
                continue;
            if (part == "..")
            {
                result = Path.GetDirectoryName(result) ?? "/";
                continue;
            }
            var next = Path.Combine(result, part);
            if (new FileInfo(next).LinkTarget is string target)
            {
                if (++hops > MaxSymlinkHops)
                    throw new IOException($"{path}: too many levels of symbolic links");
                pending.InsertRange(0, target.Split('/', StringSplitOptions.RemoveEmptyEntries));
                if (target.StartsWith('/'))
                    result = "/";
                continue;
            }
            result = next;
        }
        return result;
    }

    private static void Depmod(string root, string release, List<string> log, List<string> errors)
    {
        var tool = new[] { "/usr/sbin/depmod", "/sbin/depmod" }.FirstOrDefault(File.Exists) ?? "depmod";
        string[] args = root == "/" ? ["-a", release] : ["-b", root, "-a", release];
        log.Add($"{tool} {string.Join(' ', args)}");
        var info = new ProcessStartInfo(tool) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(info)!;
            var output = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode == 0)
                return;
            var first = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
            errors.Add($"{tool} {string.Join(' ', args)} exited {process.ExitCode}: {first}");
        }
        catch (Win32Exception e)
        {
            errors.Add($"cannot run {tool}: {e.Message}");
        }
    }
}
