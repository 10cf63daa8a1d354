using Kabigate.App.Operations;
using Kabigate.Formats;
using Kabigate.Formats.Sources;
using Kabigate.Store;

namespace Kabigate.App.Service;

/// <summary>
/// Uploads of kernels and kmods: checked with the same readers as every other source before they are accepted (a bad
/// upload is refused and nothing is kept), spooled, and ingested later, all or nothing, then gated.
/// </summary>
public static class SubmissionOperation
{
    /// <summary>The roles an upload may be read as.</summary>
    public static IReadOnlyList<string> Roles { get; } = ["kernel", "kmods", "any"];

    /// <summary>Reads a spooled upload and, when it holds kernels or kmods, records it as queued.</summary>
    /// <exception cref="OperationException">The upload cannot be read, or holds nothing kabigate can store; it was not queued.</exception>
    public static Submission Accept(string? db, string fileName, string role, string spooled, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (!Roles.Contains(role))
            throw new OperationException($"'{role}': the role is one of {string.Join(", ", Roles)}");
        var contents = SourceContentsReader.Read(spooled, Role(role), new KernelSourceOptions(null, log.Note));
        if (contents.Error is not null)
            throw new OperationException(contents.Error.Replace(spooled, fileName, StringComparison.Ordinal));
        if (contents.Kernels.Count + contents.Kmods.Count == 0)
            throw new OperationException($"{fileName}: holds no kernel and no kmod");
        using var store = AbiStore.Open(StoreLocation.Resolve(db), create: true);
        return store.Submission(store.AddSubmission(fileName, role, spooled))!;
    }

    /// <summary>Ingests a queued submission, removes its spooled file, and gates the kernels it brought.</summary>
    public static (Submission Submission, IReadOnlyList<GateRunReport> Runs) Ingest(long id, GateSettings settings, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var location = StoreLocation.Resolve(settings.Db);
        Submission submission;
        using (var store = AbiStore.Open(location, create: true))
            submission = store.Submission(id) ?? throw new OperationException($"no submission {id}");
        if (submission.Status != "queued")
            return (submission, []);
        string status, message;
        IngestSummary? summary = null;
        IReadOnlyList<string> none = [];
        try
        {
            var request = submission.Role switch
            {
                "kernel" => new IngestRequest(settings.Db, none, [submission.Spool], none),
                "kmods" => new IngestRequest(settings.Db, none, none, [submission.Spool]),
                _ => new IngestRequest(settings.Db, [submission.Spool], none, none),
            };
            summary = IngestOperation.Run(request, log);
            var stored = summary.Items.Count(i => i.Result.Outcome != IngestOutcome.AlreadyStored);
            (status, message) = ("ingested", $"{summary.Items.Count(i => i.IsKernel)} kernels and {summary.Items.Count(i => !i.IsKernel)} kmods read, {stored} new");
        }
        catch (Exception e) when (WatchOperation.Describe(e) is { } line)
        {
            (status, message) = ("rejected", line.Replace(submission.Spool, submission.FileName, StringComparison.Ordinal));
        }
        using (var store = AbiStore.Open(location, create: true))
        {
            store.FinishSubmission(id, status, message);
            submission = store.Submission(id)!;
        }
        File.Delete(submission.Spool);
        var folder = Path.GetDirectoryName(submission.Spool);
        if (folder is not null && Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
            Directory.Delete(folder);
        var runs = status == "ingested" ? GateRunOperation.GateNew(settings, $"submission {id}", log, GateRunOperation.StoredNewKmods(summary)) : [];
        return (submission, runs);
    }

    private static SourceRole Role(string role) => role switch
    {
        "kernel" => SourceRole.Kernel,
        "kmods" => SourceRole.Kmods,
        _ => SourceRole.Any,
    };
}
