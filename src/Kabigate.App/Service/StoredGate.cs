using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kabigate.App.Inputs;
using Kabigate.App.Operations;
using Kabigate.Store;

namespace Kabigate.App.Service;

/// <summary>What a gate of a stored kernel judges, read from one snapshot of the store.</summary>
/// <param name="Kernel">The kernel.</param>
/// <param name="Kmods">The registered kmods.</param>
public sealed record StoredGateInputs(StoredKernel Kernel, IReadOnlyList<StoredKmod> Kmods);

/// <summary>Keys for answers computed from the store.</summary>
public static class StoredAnswers
{
    /// <summary>
    /// A key naming everything an answer of the service is computed from: the set of stored kernels and kmods, the
    /// policy, the day (waivers expire by date) and the question. Within one store, two answers with the same key
    /// are the same, so a caller may keep the rendered answer for as long as the key holds.
    /// </summary>
    public static string Key(AbiStore store, GateSettings settings, params string[] question)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(question);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text.Length.ToString(CultureInfo.InvariantCulture) + ":" + text));
        Add(store.ContentVersion());
        Add(settings.PolicyDigest);
        Add(DateOnly.FromDateTime(DateTime.UtcNow).ToString("O", CultureInfo.InvariantCulture));
        foreach (var part in question)
            Add(part);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

/// <summary>
/// The service's gate of a stored kernel (<c>POST /api/v1/gate</c> with a release): the registered kmods judged on it
/// under the service's policy, as gate runs judge them, without recording a run.
/// </summary>
public static class StoredGateOperation
{
    /// <summary>Resolves what the gate judges.</summary>
    /// <exception cref="StoreException">No such kernel is stored.</exception>
    /// <exception cref="OperationException">No kmod is registered: the gate cannot decide.</exception>
    public static StoredGateInputs Resolve(AbiStore store, GateSettings settings, string reference, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(settings);
        var kernel = StoreAccess.ResolveKernel(store, reference, log);
        var kmods = StoreAccess.SelectKmods(store.Kmods(), settings.Kmods);
        if (kmods.Count == 0)
            throw new OperationException("the store holds no registered kmods; failing closed");
        return new StoredGateInputs(kernel, kmods);
    }

    /// <summary>Judges the resolved kmods on the kernel.</summary>
    public static GateResult Run(AbiStore store, GateSettings settings, StoredGateInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(inputs);
        var clock = Stopwatch.StartNew();
        var (report, _) = Judge(store, settings, [inputs.Kernel], inputs.Kmods);
        return new GateResult(report, settings.Policy, settings.Stablelist, clock.Elapsed, report.Passes ? GateVerdict.Pass : GateVerdict.Fail);
    }

    /// <summary>Stored kmods judged on stored kernels under the service's policy, as of today; the kmods' modules index for index.</summary>
    internal static (Abi.GateReport Report, List<Abi.ModuleImage> Modules) Judge(AbiStore store, GateSettings settings, IReadOnlyList<StoredKernel> kernels, IReadOnlyList<StoredKmod> kmods)
    {
        var modules = kmods.Select(store.LoadKmod).ToList();
        var abis = StoreAccess.LoadForJudging(store, kernels, modules);
        return (Abi.Gate.Evaluate(abis, modules, [.. kmods.Select(k => k.Source)], settings.Policy.Evaluate(Today()), settings.Stablelist), modules);
    }

    private static DateOnly Today() => DateOnly.FromDateTime(DateTime.UtcNow);
}
