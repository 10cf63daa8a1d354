using Kabigate.Abi;
using Kabigate.Formats;
using Kabigate.Formats.Sources;

namespace Kabigate.Cli;

/// <summary>What the package gates (<c>mask</c>, <c>hold</c>) were asked to read.</summary>
/// <param name="Repositories">Repository directories or base URLs.</param>
/// <param name="InstallRoot">The install root, or null for <c>/</c>.</param>
/// <param name="DbPath">The rpm database directory inside the root, or null to search.</param>
/// <param name="DatabaseRequired">Whether a missing rpm database is an error; else it is a warning and nothing counts as
/// installed (an unreadable one is always an error).</param>
internal sealed record GateRequest(IReadOnlyList<string> Repositories, string? InstallRoot, string? DbPath, bool DatabaseRequired);

/// <summary>The packages the gates judge, and what failed to read.</summary>
internal sealed record GateInputs(IReadOnlyList<KabiPackage> Installed, IReadOnlyList<KabiPackage> Available, string? Database, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings);

/// <summary>Reads the repositories (in parallel) and the rpm database for the gates.</summary>
internal static class GateInputReader
{
    public static GateInputs Read(GateRequest request)
    {
        var errors = new List<string>();
        var warnings = new List<string>();
        var perRepository = new IReadOnlyList<KabiPackage>?[request.Repositories.Count];
        var repositoryErrors = new string?[request.Repositories.Count];
        IReadOnlyList<KabiPackage> installed = [];
        string? database = null;
        Parallel.Invoke(
            () => Parallel.For(0, request.Repositories.Count, i =>
            {
                try
                {
                    perRepository[i] = PackageSets.FromRepository(request.Repositories[i]);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    repositoryErrors[i] = e is ModuleFormatException ? e.Message : $"{request.Repositories[i]}: {e.Message}";
                }
            }),
            () =>
            {
                try
                {
                    (database, installed) = PackageSets.Installed(request.InstallRoot ?? "/", request.DbPath);
                }
                catch (ModuleFormatException e) when (!request.DatabaseRequired && e.Reason.StartsWith("no rpm database", StringComparison.Ordinal))
                {
                    warnings.Add($"{e.Message}: judging against the repositories' kernels only");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    lock (errors)
                        errors.Add(e is ModuleFormatException ? e.Message : $"{request.InstallRoot ?? "/"}: {e.Message}");
                }
            });
        errors.InsertRange(0, repositoryErrors.OfType<string>());
        return new GateInputs(installed, [.. perRepository.OfType<IReadOnlyList<KabiPackage>>().SelectMany(p => p)], database, errors, warnings);
    }

    /// <summary>Reports errors and warnings, one line each; true when there were errors.</summary>
    public static bool Report(GateInputs inputs, TextWriter stderr)
    {
        foreach (var error in inputs.Errors)
            stderr.WriteLine($"kabigate: ERROR: {error}");
        foreach (var warning in inputs.Warnings)
            stderr.WriteLine($"kabigate: WARNING: {warning}");
        return inputs.Errors.Count > 0;
    }
}
