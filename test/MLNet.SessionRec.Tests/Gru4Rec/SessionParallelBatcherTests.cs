using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Tests.Gru4Rec;

[TestClass]
public sealed class SessionParallelBatcherTests
{
    /// <summary>Sessions in time order: A=[1,2,3], B=[4,5], C=[6,7,8,9], D=[10,11], E=[12] (too short: skipped).</summary>
    private static SessionDataset Tiny()
    {
        var b = new SessionDatasetBuilder();
        var sessions = new (string Id, int[] Items)[] { ("A", [1, 2, 3]), ("B", [4, 5]), ("C", [6, 7, 8, 9]), ("D", [10, 11]), ("E", [12]) };
        double t = 0;
        foreach (var (id, items) in sessions)
            foreach (int item in items) b.Add(id, item.ToString(), t++);
        return b.Build();
    }

    private static int[] Ids(SessionDataset d, int[] indices, int count) =>
        indices.Take(count).Select(i => int.Parse(d.Items.GetId(i))).ToArray();

    [TestMethod]
    public void SlotsTakeNextSessionsResetAndShrinkWithoutDroppingTheTail()
    {
        var data = Tiny();
        var batcher = new SessionParallelBatcher(data, batchSize: 2);
        var steps = new List<(int[] In, int[] Out, int[] Reset, int[]? Kept)>();
        while (batcher.MoveNext())
            steps.Add((Ids(data, batcher.Inputs, batcher.Count), Ids(data, batcher.Targets, batcher.Count), batcher.ResetSlots.ToArray(), batcher.KeptSlots?.ToArray()));

        Assert.AreEqual(4, steps.Count);
        // step 1: A and B start.
        CollectionAssert.AreEqual(new[] { 1, 4 }, steps[0].In);
        CollectionAssert.AreEqual(new[] { 2, 5 }, steps[0].Out);
        CollectionAssert.AreEqual(new[] { 0, 1 }, steps[0].Reset);
        Assert.IsNull(steps[0].Kept);
        // step 2: B is used up; slot 1 takes C and is reset.
        CollectionAssert.AreEqual(new[] { 2, 6 }, steps[1].In);
        CollectionAssert.AreEqual(new[] { 3, 7 }, steps[1].Out);
        CollectionAssert.AreEqual(new[] { 1 }, steps[1].Reset);
        // step 3: A is used up; slot 0 takes D.
        CollectionAssert.AreEqual(new[] { 10, 7 }, steps[2].In);
        CollectionAssert.AreEqual(new[] { 11, 8 }, steps[2].Out);
        CollectionAssert.AreEqual(new[] { 0 }, steps[2].Reset);
        // step 4: D is used up and only E (length 1) is left: slot 0 is removed, C continues as slot 0.
        CollectionAssert.AreEqual(new[] { 8 }, steps[3].In);
        CollectionAssert.AreEqual(new[] { 9 }, steps[3].Out);
        CollectionAssert.AreEqual(new[] { 1 }, steps[3].Kept);
        Assert.AreEqual(0, steps[3].Reset.Length);
        // Every event with a successor was a target exactly once.
        Assert.AreEqual(2 + 1 + 3 + 1, steps.Sum(s => s.In.Length));
    }

    [TestMethod]
    public void MoreSlotsThanSessionsStartsWithASmallerBatch()
    {
        var data = Tiny();
        var batcher = new SessionParallelBatcher(data, batchSize: 10);
        Assert.IsTrue(batcher.MoveNext());
        Assert.AreEqual(4, batcher.Count);
        int events = batcher.Count;
        while (batcher.MoveNext()) events += batcher.Count;
        Assert.AreEqual(7, events);
    }
}
