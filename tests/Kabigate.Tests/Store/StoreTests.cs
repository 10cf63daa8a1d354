using Kabigate.Abi;
using Kabigate.Store;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Store;

/// <summary>The store's contract on both engines: idempotent, transactional ingest; snapshots; refusals.</summary>
public class StoreTests
{
    internal static KernelAbi Kernel(string release, params (string Symbol, uint? Crc)[] exports) =>
        new(release, exports.Select(e => new KernelExport(e.Symbol, e.Crc, "vmlinux", ExportKind.Plain, null)), "test", $"{release} SMP mod_unload modversions ");

    private static KernelAbi Wide(string release, int count, Func<int, uint> crc, string? extra = null)
    {
        var exports = Enumerable.Range(0, count).Select(i => new KernelExport($"sym_{i:D5}", crc(i), i % 7 == 0 ? "drivers/x/mod_" + (i % 13) : "vmlinux", i % 3 == 0 ? ExportKind.Gpl : ExportKind.Plain, i % 11 == 0 ? "NS_" + (i % 4) : null)).ToList();
        if (extra is not null)
            exports.Add(new KernelExport(extra, null, "vmlinux", ExportKind.Plain, null));
        return new KernelAbi(release, exports, "test", null, "no vermagic in test", new LoaderConfig(true, false, AllowBtfMismatch: true), null);
    }

    private static void AssertSameAbi(KernelAbi expected, KernelAbi actual)
    {
        Assert.Equal(expected.Release, actual.Release);
        Assert.Equal(expected.Vermagic, actual.Vermagic);
        Assert.Equal(expected.VermagicUnknownReason, actual.VermagicUnknownReason);
        Assert.Equal(expected.Loader, actual.Loader);
        Assert.Equal(expected.Exports.Values.OrderBy(e => e.Symbol, StringComparer.Ordinal), actual.Exports.Values.OrderBy(e => e.Symbol, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(TestStore.Sqlite)]
    [PostgresEngine]
    public void Kernels_RoundTripExactly_ThroughKeyframesAndDeltaChains(string engine)
    {
        using var test = TestStore.Create(engine);
        var releases = Enumerable.Range(1, 20).Select(n => Wide($"6.1.0-{n}-amd64", 3000, i => (uint)(i * 2654435761u) ^ (uint)(i % (n + 3) == 0 ? n : 0), n % 5 == 0 ? $"only_in_{n}" : null)).ToList();
        var location = StoreLocation.Resolve(test.Db);
        using (var store = AbiStore.Open(location, create: true))
        {
            using var ingest = store.BeginIngest();
            var results = releases.Select(ingest.AddKernel).ToList();
            Assert.All(results, r => Assert.Equal(IngestOutcome.Stored, r.Outcome));
            // A full delta chain (16) starts again from a keyframe instead of piling deltas on one old base.
            Assert.Equal([0, IngestSession.MaxDeltaDepth + 1], results.Select((r, i) => (r, i)).Where(x => x.r.Detail.Contains("keyframe", StringComparison.Ordinal)).Select(x => x.i));
            ingest.Commit();
            // The same store, read right after its ingest, sees the names the ingest added.
            store.BeginSnapshot();
            AssertSameAbi(releases[7], store.LoadKernel(store.Kernels().Single(s => s.Release == releases[7].Release)));
        }
        using var reader = AbiStore.Open(location, create: false);
        reader.BeginSnapshot();
        var stored = reader.Kernels();
        Assert.Equal(20, stored.Count);
        foreach (var kernel in releases)
            AssertSameAbi(kernel, reader.LoadKernel(stored.Single(s => s.Release == kernel.Release)));
        Assert.Contains(stored, s => s.Line == "6.1.0-*-amd64");
    }

    [Theory]
    [InlineData(TestStore.Sqlite)]
    [PostgresEngine]
    public void Ingest_IsIdempotent_AndKeepsAndFlagsAReleaseWithOtherContent(string engine)
    {
        using var test = TestStore.Create(engine);
        var location = StoreLocation.Resolve(test.Db);
        var first = Kernel("6.1.0-47-amd64", ("fput", 0x11111111u), ("kmalloc", 0x22222222u));
        var changed = Kernel("6.1.0-47-amd64", ("fput", 0x33333333u), ("kmalloc", 0x22222222u));
        using (var store = AbiStore.Open(location, create: true))
        {
            using (var ingest = store.BeginIngest())
            {
                Assert.Equal(IngestOutcome.Stored, ingest.AddKernel(first).Outcome);
                ingest.Commit();
            }
        }
        var digest = test.Digest();
        using (var store = AbiStore.Open(location, create: true))
        {
            using var ingest = store.BeginIngest();
            Assert.Equal(IngestOutcome.AlreadyStored, ingest.AddKernel(first).Outcome);
            ingest.Commit();
        }
        Assert.Equal(digest, test.Digest());
        using (var store = AbiStore.Open(location, create: true))
        {
            using var ingest = store.BeginIngest();
            var result = ingest.AddKernel(changed);
            Assert.Equal(IngestOutcome.StoredConflicting, result.Outcome);
            Assert.Contains("other content", result.Detail, StringComparison.Ordinal);
            ingest.Commit();
        }
        using var reader = AbiStore.Open(location, create: false);
        var kernels = reader.Kernels();
        Assert.Equal(2, kernels.Count);
        Assert.All(kernels, k => Assert.True(k.Conflicting));
        Assert.Equal(0x33333333u, reader.LoadKernel(kernels.Single(k => k.Id == 2)).Exports["fput"].Crc);
        Assert.Equal(0x11111111u, reader.LoadKernel(kernels.Single(k => k.Id == 1)).Exports["fput"].Crc);
    }

    [Theory]
    [InlineData(TestStore.Sqlite)]
    [PostgresEngine]
    public async Task AnIngestNotCommitted_LeavesTheStoreExactlyAsBefore_AndDoesNotBlockReaders(string engine)
    {
        using var test = TestStore.Create(engine);
        var location = StoreLocation.Resolve(test.Db);
        using (var store = AbiStore.Open(location, create: true))
        {
            using var ingest = store.BeginIngest();
            ingest.AddKernel(Kernel("6.1.0-1-amd64", ("a", 1u)));
            ingest.Commit();
        }
        var before = test.Digest();

        using (var writer = AbiStore.Open(location, create: true))
        {
            var ingest = writer.BeginIngest();
            ingest.AddKernel(Kernel("6.1.0-2-amd64", ("a", 2u), ("b", 3u)));
            ingest.AddKmod(KmodFixtures.Module("late", KmodFixtures.Imports("a")), "test");

            // A reader during the write sees the committed store at once, not the ingest.
            var read = Task.Run(() =>
            {
                using var reader = AbiStore.Open(location, create: false);
                reader.BeginSnapshot();
                return (reader.Kernels().Count, reader.Kmods().Count);
            });
            var finished = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(20)));
            Assert.True(finished == read, "a reader was blocked by an ingest in progress");
            Assert.Equal((1, 0), await read);
            ingest.Dispose(); // rolled back
        }
        Assert.Equal(before, test.Digest());
    }

    [Theory]
    [InlineData(TestStore.Sqlite)]
    [PostgresEngine]
    public void AStoreOfANewerSchema_IsRefusedWithAHint_AndLeftUntouched(string engine)
    {
        using var test = TestStore.Create(engine);
        var location = StoreLocation.Resolve(test.Db);
        AbiStore.Open(location, create: true).Dispose();
        using (var raw = test.OpenRaw())
        using (var command = raw.CreateCommand())
        {
            command.CommandText = "INSERT INTO schema_migrations (version, description, applied_at) VALUES (99, 'from the future', 'x')";
            command.ExecuteNonQuery();
        }
        var digest = test.Digest();
        var e = Assert.Throws<StoreException>(() => AbiStore.Open(location, create: true));
        Assert.Contains($"schema version is 99, newer than this kabigate knows ({Schema.Latest})", e.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", e.Message, StringComparison.Ordinal);
        Assert.Equal(digest, test.Digest());
    }

    [Theory]
    [InlineData(TestStore.Sqlite)]
    [PostgresEngine]
    public void ADatabaseWithOtherTables_IsNotTouched(string engine)
    {
        using var test = TestStore.Create(engine);
        using (var raw = test.OpenRaw())
        using (var command = raw.CreateCommand())
        {
            command.CommandText = "CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount INTEGER)";
            command.ExecuteNonQuery();
        }
        var e = Assert.Throws<StoreException>(() => AbiStore.Open(StoreLocation.Resolve(test.Db), create: true));
        Assert.Contains("not a kabigate store (it has other tables: invoices)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TestStore.Sqlite)]
    [PostgresEngine]
    public void Kmods_RoundTripEveryFieldTheLoaderReads_AndAreStoredOncePerContent(string engine)
    {
        using var test = TestStore.Create(engine);
        var location = StoreLocation.Resolve(test.Db);
        var kmod = KmodFixtures.Module("kg_x", KmodFixtures.Imports("fput", "kmalloc"), importNs: ["USB_STORAGE"], license: "Proprietary");
        using (var store = AbiStore.Open(location, create: true))
        {
            using var ingest = store.BeginIngest();
            Assert.Equal(IngestOutcome.Stored, ingest.AddKmod(kmod, "src").Outcome);
            Assert.Equal(IngestOutcome.AlreadyStored, ingest.AddKmod(KmodFixtures.Module("kg_x", KmodFixtures.Imports("fput", "kmalloc"), importNs: ["USB_STORAGE"], license: "Proprietary", path: "/elsewhere/kg_x.ko"), "other").Outcome);
            ingest.Commit();
        }
        using var reader = AbiStore.Open(location, create: false);
        var stored = Assert.Single(reader.Kmods());
        var loaded = reader.LoadKmod(stored);
        Assert.Equal(kmod.Name, loaded.Name);
        Assert.Equal(kmod.Elf, loaded.Elf);
        Assert.Equal(kmod.Modinfo.ToArray(), loaded.Modinfo.ToArray());
        Assert.Equal(kmod.Imports.ToArray(), loaded.Imports.ToArray());
        Assert.Equal(kmod.Exports.ToArray(), loaded.Exports.ToArray());
        Assert.Equal(kmod.BasicVersions.ToArray(), loaded.BasicVersions.ToArray());
        Assert.Equal(kmod.ExtendedVersions.ToArray(), loaded.ExtendedVersions.ToArray());
        Assert.Equal(kmod.VersionTables, loaded.VersionTables);
        Assert.Equal("Proprietary", stored.License);
    }

    [Fact]
    public void APostgresServerThatIsDown_IsOneClearError()
    {
        var e = Assert.Throws<StoreException>(() => AbiStore.Open(StoreLocation.Resolve("postgres://kabigate:secret@127.0.0.1:1/history"), create: true));
        Assert.StartsWith("postgres://kabigate:***@127.0.0.1:1/history: cannot connect:", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileThatIsNotADatabase_IsOneClearError()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var path = Path.Combine(dir, "notes.db");
        File.WriteAllText(path, new string('x', 8192));
        var e = Assert.Throws<StoreException>(() => AbiStore.Open(StoreLocation.Resolve(path), create: true));
        Assert.Contains("not an SQLite database", e.Message, StringComparison.Ordinal);
        Assert.Equal(new string('x', 8192), File.ReadAllText(path));
    }

    [Theory]
    [InlineData("postgres://u:p@db.example:5433/kabi?sslmode=require", "Host='db.example';Port='5433';Database='kabi';Username='u';Password='p';SSL Mode='require';Timeout='10';", "postgres://u:***@db.example:5433/kabi?sslmode=require")]
    [InlineData("postgresql://kabi@localhost/history", "Host='localhost';Database='history';Username='kabi';Timeout='10';", "postgresql://kabi@localhost/history")]
    public void PostgresUrls_BecomeConnectionStrings_AndPasswordsStayHidden(string url, string connectionString, string display)
    {
        var location = StoreLocation.Resolve(url);
        Assert.Equal(StoreProvider.Postgres, location.Provider);
        Assert.Equal(connectionString, location.Target);
        Assert.Equal(display, location.Display);
    }

    [Theory]
    [InlineData("postgres://host-only", "names no database")]
    [InlineData("postgres://h/db?colour=blue", "unknown URL parameter 'colour'")]
    public void BadPostgresUrls_AreRefused(string url, string message)
    {
        var e = Assert.Throws<StoreException>(() => StoreLocation.Resolve(url));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
