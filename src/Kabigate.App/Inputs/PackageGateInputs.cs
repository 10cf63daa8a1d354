using Kabigate.Abi;
using Kabigate.Formats;
using Kabigate.Formats.Rpm;
using Kabigate.Formats.Sources;

namespace Kabigate.App.Inputs;

/// <summary>What the package gates (<c>mask</c>, <c>hold</c>) read.</summary>
/// <param name="Repositories">Repository directories or base URLs.</param>
/// <param name="InstallRoot">The install root, or null for <c>/</c>.</param>
/// <param name="DbPath">The rpm database directory inside the root, or null to search.</param>
public sealed record PackageSources(IReadOnlyList<string> Repositories, string? InstallRoot = null, string? DbPath = null);

/// <summary>The packages the gates judge.</summary>
/// <param name="Installed">The installed packages.</param>
/// <param name="Available">The repositories' packages.</param>
/// <param name="Database">The rpm database read, or null when none was found (and none was required).</param>
internal sealed record PackageGateInputs(IReadOnlyList<KabiPackage> Installed, IReadOnlyList<KabiPackage> Available, string? Database);

/// <summary>Reads the repositories (in parallel) and the rpm database for the gates.</summary>
internal static class PackageGateInputReader
{
    /// <summary>Reads everything, or fails with every unreadable input.</summary>
    /// <param name="sources">What to read.</param>
    /// <param name="databaseRequired">Whether a missing rpm database is an error; else it is a warning and nothing counts as installed.</param>
    /// <param name="log">Where the warning goes.</param>
    /// <exception cref="OperationException">A repository or the rpm database cannot be read.</exception>
    public static PackageGateInputs Read(PackageSources sources, bool databaseRequired, IOperationLog log)
    {
        var errors = new List<string>();
        var perRepository = new IReadOnlyList<KabiPackage>?[sources.Repositories.Count];
        var repositoryErrors = new string?[sources.Repositories.Count];
        IReadOnlyList<KabiPackage> installed = [];
        string? database = null;
        var missingDatabase = databaseRequired ? null : RpmDatabaseReader.Missing(sources.InstallRoot ?? "/", sources.DbPath);
        Parallel.Invoke(
            () => Parallel.For(0, sources.Repositories.Count, i =>
            {
                try
                {
                    perRepository[i] = PackageSets.FromRepository(sources.Repositories[i]);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    repositoryErrors[i] = e is ModuleFormatException ? e.Message : $"{sources.Repositories[i]}: {e.Message}";
                }
            }),
            () =>
            {
                if (missingDatabase is not null)
                    return;
                try
                {
                    (database, installed) = PackageSets.Installed(sources.InstallRoot ?? "/", sources.DbPath);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    lock (errors)
                        errors.Add(e is ModuleFormatException ? e.Message : $"{sources.InstallRoot ?? "/"}: {e.Message}");
                }
            });
        errors.InsertRange(0, repositoryErrors.OfType<string>());
        if (errors.Count > 0)
            throw new OperationException(errors);
        if (missingDatabase is not null)
            log.Warning($"{missingDatabase}: judging against the repositories' kernels only");
        return new PackageGateInputs(installed, [.. perRepository.OfType<IReadOnlyList<KabiPackage>>().SelectMany(p => p)], database);
    }
}
