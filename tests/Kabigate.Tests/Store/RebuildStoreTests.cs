using Kabigate.Store;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Store;

public class RebuildStoreTests
{
    [Theory]
    [InlineData(TestStore.Sqlite)]
    [PostgresEngine]
    public void RebuildResults_RoundTrip_WithTheirKmods_OnBothEngines(string engine)
    {
        using var test = TestStore.Create(engine);
        var location = StoreLocation.Resolve(test.Db);
        var kmod = KmodFixtures.Module("vpoll", KmodFixtures.Imports("_printk"));
        long kmodId;
        using (var store = AbiStore.Open(location, create: true))
        using (var session = store.BeginIngest())
        {
            session.AddKmod(kmod, "rebuild:vpoll@6.1.0-56-amd64#af79e10fb3ba4c84");
            kmodId = session.KmodId(kmod)!.Value;
            session.AddRebuild(new RebuildRecord("run-1", "vpoll", "digest", "af79e10fb3ba4c84", "6.1.0-55-amd64", "built", "6.1.0-56-amd64",
                "/usr/src/linux-headers-6.1.0-56-amd64", "gcc 12", [kmodId], null, "/logs/vpoll.log", TimeSpan.FromMilliseconds(9400)));
            session.AddRebuild(new RebuildRecord("run-1", "vpoll", "digest", null, "6.1.0-47-cloud-amd64", "blocked", null, null, null, [], "no headers for any member of the class", null, null));
            session.Commit();
        }
        using var reader = AbiStore.Open(location, create: false);
        var rows = reader.Rebuilds();
        Assert.Equal(2, rows.Count);
        var built = rows[0].Record;
        Assert.Equal(("run-1", "vpoll", "6.1.0-55-amd64", "built", "6.1.0-56-amd64", "/logs/vpoll.log"), (built.RunId, built.Recipe, built.Kernel, built.Status, built.BuiltOn, built.LogPath));
        Assert.Equal([kmodId], built.KmodIds);
        Assert.Equal(TimeSpan.FromMilliseconds(9400), built.Duration);
        Assert.Equal("rebuild:vpoll@6.1.0-56-amd64#af79e10fb3ba4c84", reader.Kmods().Single(k => k.Id == kmodId).Source);
        var blocked = rows[1].Record;
        Assert.Equal((null, "no headers for any member of the class", null), (blocked.ClassKey, blocked.Detail, blocked.Duration));
        Assert.Empty(blocked.KmodIds);
    }
}
