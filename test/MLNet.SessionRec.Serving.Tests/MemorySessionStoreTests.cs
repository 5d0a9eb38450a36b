namespace MLNet.SessionRec.Serving.Tests;

[TestClass]
public sealed class MemorySessionStoreTests
{
    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [TestMethod]
    public async Task IdleSessionsAreForgotten()
    {
        var time = new ManualTime();
        using var store = new MemorySessionStore(100, TimeSpan.FromMinutes(10), time);
        Assert.IsTrue(await store.TryWriteAsync("a", [1], null, default));
        time.Now += TimeSpan.FromMinutes(9);
        Assert.IsNotNull(await store.GetAsync("a", default), "a read within the timeout keeps it");
        time.Now += TimeSpan.FromMinutes(9);
        Assert.IsNotNull(await store.GetAsync("a", default));
        time.Now += TimeSpan.FromMinutes(11);
        Assert.IsNull(await store.GetAsync("a", default));
        Assert.AreEqual(0, store.LiveSessions);
    }

    [TestMethod]
    public async Task TheSessionCountIsBoundedLeastRecentlyUsedFirst()
    {
        var time = new ManualTime();
        using var store = new MemorySessionStore(100, TimeSpan.FromHours(1), time);
        for (int i = 0; i < 100; i++)
        {
            time.Now += TimeSpan.FromSeconds(1);
            Assert.IsTrue(await store.TryWriteAsync($"s{i}", [1], null, default));
        }
        time.Now += TimeSpan.FromSeconds(1);
        Assert.IsNotNull(await store.GetAsync("s0", default));   // s0 used recently: s1.. are older
        Assert.IsTrue(await store.TryWriteAsync("new", [1], null, default));
        Assert.IsLessThanOrEqualTo(100L, store.LiveSessions);
        Assert.IsNotNull(await store.GetAsync("s0", default));
        Assert.IsNotNull(await store.GetAsync("new", default));
        Assert.IsNull(await store.GetAsync("s1", default));
    }

    [TestMethod]
    public async Task WritesAreOptimistic()
    {
        using var store = new MemorySessionStore(10, TimeSpan.FromHours(1));
        Assert.IsTrue(await store.TryWriteAsync("a", [1], null, default));
        Assert.IsFalse(await store.TryWriteAsync("a", [2], null, default), "the session exists already");
        var read = await store.GetAsync("a", default);
        Assert.IsTrue(await store.TryWriteAsync("a", [3], read!.Version, default));
        Assert.IsFalse(await store.TryWriteAsync("a", [4], read.Version, default), "a stale version loses");
        CollectionAssert.AreEqual(new byte[] { 3 }, (await store.GetAsync("a", default))!.State);
    }
}
