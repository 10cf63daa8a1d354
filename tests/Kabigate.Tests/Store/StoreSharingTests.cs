using Kabigate.Store;
using Kabigate.Tests.Support;
using Xunit.Abstractions;

namespace Kabigate.Tests.Store;

/// <summary>
/// A store shared between processes and users: concurrent first ingests into a new store all succeed (the migration is
/// serialized with the writers), and a store its reader cannot write is still queried, read-only, leaving no side files.
/// </summary>
public class StoreSharingTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(TestStore.Sqlite)]
    [PostgresEngine]
    public void ConcurrentFirstIngests_IntoANewStore_AllSucceed(string engine)
    {
        const int writers = 6;
        for (int trial = 0; trial < 4; trial++)
        {
            using var test = TestStore.Create(engine);
            var location = StoreLocation.Resolve(test.Db);
            using var start = new Barrier(writers);
            var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
            var threads = Enumerable.Range(0, writers).Select(i => new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    using var store = AbiStore.Open(location, create: true);
                    using var ingest = store.BeginIngest();
                    ingest.AddKernel(StoreTests.Kernel($"6.1.0-{i}-amd64", ("fput", 0x11111111u)));
                    ingest.Commit();
                }
                catch (StoreException e)
                {
                    failures.Add(e.Message);
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Assert.Empty(failures);
            using var reader = AbiStore.Open(location, create: false);
            Assert.Equal(writers, reader.Kernels().Count);
        }
    }

    [Fact]
    public void AStoreThisUserCannotWrite_IsQueriedReadOnly_WithoutSideFiles()
    {
        using var temp = new TempDirectory();
        var directory = temp.Path;
        var db = Path.Combine(directory, "store.db");
        using (var store = AbiStore.Open(StoreLocation.Resolve(db), create: true))
        {
            using var ingest = store.BeginIngest();
            ingest.AddKernel(StoreTests.Kernel("6.1.0-47-amd64", ("fput", 0x11111111u)));
            ingest.Commit();
        }
        foreach (var side in new[] { db + "-wal", db + "-shm" })
            File.Delete(side);
        // Readable by everyone, writable by root only: 'nobody' reads a store in a directory it cannot write.
        Tools.RunOk("chmod", "755", directory);
        Tools.RunOk("chmod", "644", db);
        foreach (var parent in Ancestors(directory))
            Assert.True(OperatingSystem.IsWindows() || ((int)File.GetUnixFileMode(parent) & 0x1) != 0, $"{parent} is not searchable by others");

        var run = ChildCli.RunAs(TimeSpan.FromSeconds(60), 65534, "kernels", "--db", db);
        output.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("6.1.0-47-amd64", run.Stdout, StringComparison.Ordinal);
        Assert.Equal([db], Directory.GetFiles(directory));

        using var readOnly = AbiStore.Open(StoreLocation.Resolve(db), create: false);
        Assert.False(readOnly.IsReadOnly); // root can write it: the ordinary mode
    }

    private static IEnumerable<string> Ancestors(string path)
    {
        for (var d = Path.GetDirectoryName(path); d is not null && d != "/"; d = Path.GetDirectoryName(d))
            yield return d;
    }
}
