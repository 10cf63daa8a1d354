using Kabigate.Abi;
using Kabigate.Store;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Store;

/// <summary>
/// <see cref="AbiStore.LoadKernels"/> builds each release of a line from the one before; every release it returns must
/// equal the release decoded alone, in a store of its own, and the ABI that was ingested.
/// </summary>
public class KernelSetLoadTests
{
    /// <summary>
    /// A release of a line: from one release to the next, some CRCs change, some exports go and come back, move to
    /// another module, turn GPL-only or change namespace; the other line's exports all differ from this one's.
    /// </summary>
    private static KernelAbi Release(string flavour, int n, int count = 2500)
    {
        var exports = new List<KernelExport>();
        for (int i = 0; i < count; i++)
        {
            if ((i + n) % 53 == 0 || (n % 6 == 0 && i % 101 == 7))
                continue; // absent from this release
            uint crc = (uint)(i * 2654435761u) ^ (i % (n + 5) == 0 ? (uint)n : 0) ^ (flavour == "cloud-amd64" ? 0x5a5a5a5au : 0);
            var module = (i + n) % 89 == 0 ? "drivers/moved/m" + (n % 3) : i % 7 == 0 ? "drivers/x/mod_" + (i % 13) : "vmlinux";
            var kind = (i + n) % 61 == 0 ? ExportKind.Gpl : i % 3 == 0 ? ExportKind.Gpl : ExportKind.Plain;
            var ns = (i + n) % 71 == 0 ? "NS_MOVED" : i % 11 == 0 ? "NS_" + (i % 4) : null;
            exports.Add(new KernelExport($"sym_{i:D5}", i % 17 == 0 && n % 2 == 0 ? null : crc, module, kind, ns));
        }
        return new KernelAbi($"6.1.0-{n}-{flavour}", exports, "test", $"6.1.0-{n}-{flavour} SMP mod_unload modversions ", null, new LoaderConfig(false, n % 2 == 0), null);
    }

    private static void AssertSameExports(KernelAbi expected, KernelAbi actual)
    {
        Assert.Equal(expected.Release, actual.Release);
        Assert.Equal(expected.Vermagic, actual.Vermagic);
        Assert.Equal(expected.Loader, actual.Loader);
        Assert.Equal(expected.Exports.Count, actual.Exports.Count);
        Assert.Equal(expected.Exports.Values.OrderBy(e => e.Symbol, StringComparer.Ordinal), actual.Exports.Values.OrderBy(e => e.Symbol, StringComparer.Ordinal));
        foreach (var (symbol, export) in expected.Exports)
            Assert.Equal(export, actual.TryGetExport(symbol, out var found) ? found : null);
    }

    [Theory]
    [InlineData(TestStore.Sqlite)]
    [PostgresEngine]
    public void LoadKernels_EqualsEachReleaseDecodedAlone_OverDeltaChainsAndTwoLines(string engine)
    {
        using var test = TestStore.Create(engine);
        var location = StoreLocation.Resolve(test.Db);
        var ingested = Enumerable.Range(1, 40).Select(n => Release("amd64", n)).Concat(Enumerable.Range(1, 6).Select(n => Release("cloud-amd64", n))).ToList();
        using (var store = AbiStore.Open(location, create: true))
        {
            using var ingest = store.BeginIngest();
            var results = ingested.Select(ingest.AddKernel).ToList();
            // The line is stored as keyframes and delta chains: what the shared decoding walks.
            Assert.True(results.Count(r => r.Detail.Contains("keyframe", StringComparison.Ordinal)) < 10, string.Join("; ", results.Select(r => r.Detail)));
            ingest.Commit();
        }
        // Only some of the symbols, as the matrix asks for its kmods' imports (and a symbol no kernel has).
        var only = Enumerable.Range(0, 2500).Where(i => i % 5 == 0 || i % 53 == 0).Select(i => $"sym_{i:D5}").Append("not_exported").ToHashSet(StringComparer.Ordinal);
        List<KernelAbi> Alone(IReadOnlyList<StoredKernel> kernels, IReadOnlySet<string>? projection) =>
            [.. kernels.Select(k =>
            {
                using var own = AbiStore.Open(location, create: false);
                own.BeginSnapshot();
                return own.LoadKernel(k, projection);
            })];

        using var reader = AbiStore.Open(location, create: false);
        reader.BeginSnapshot();
        var stored = reader.Kernels();
        Assert.Equal(46, stored.Count);
        // Out of version order, and the lines interleaved: results come back index for index.
        var shuffled = stored.OrderBy(k => (k.Id * 7919) % 46).ToList();
        foreach (var projection in new IReadOnlySet<string>?[] { null, only })
        {
            var together = reader.LoadKernels(shuffled, projection);
            var alone = Alone(shuffled, projection);
            Assert.Equal(shuffled.Count, together.Count);
            for (int i = 0; i < shuffled.Count; i++)
            {
                AssertSameExports(alone[i], together[i]);
                var original = ingested.Single(k => k.Release == shuffled[i].Release);
                var expected = projection is null ? original : new KernelAbi(original.Release, original.Exports.Values.Where(e => projection.Contains(e.Symbol)), "test", original.Vermagic, null, original.Loader);
                AssertSameExports(expected, together[i]);
            }
        }
    }

    [Fact]
    public void LoadKernels_WithSharing_GivesTheSameAbisAsWithout()
    {
        using var test = TestStore.Create(TestStore.Sqlite);
        var location = StoreLocation.Resolve(test.Db);
        var ingested = Enumerable.Range(1, 20).Select(n => Release("amd64", n, 800)).ToList();
        using (var store = AbiStore.Open(location, create: true))
        {
            using var ingest = store.BeginIngest();
            foreach (var kernel in ingested)
                ingest.AddKernel(kernel);
            ingest.Commit();
        }
        using var sharing = StoreSharing.Register(location);
        using var reader = AbiStore.Open(location, create: false);
        reader.BeginSnapshot();
        var stored = reader.Kernels();
        var first = reader.LoadKernel(stored[5]); // one held already: the rest are built around it
        var loaded = reader.LoadKernels(stored);
        Assert.Same(first, loaded[5]);
        for (int i = 0; i < stored.Count; i++)
            AssertSameExports(ingested.Single(k => k.Release == stored[i].Release), loaded[i]);
        Assert.Equal(20, sharing.DecodedCount);
    }
}
