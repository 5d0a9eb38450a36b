using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Tests.Data;

[TestClass]
public sealed class SessionFileReaderTests
{
    [TestMethod]
    public void ReadsRsc15TrainAndTestWithVerifiedCounts()
    {
        var train = SessionFileReader.Read(TestData.Rsc15("train_full"));
        Assert.AreEqual(70_278, train.EventCount);
        Assert.AreEqual(17_794, train.SessionCount);
        Assert.AreEqual(2_933, train.Items.Count);
        Assert.AreEqual(70_278L, train.Items.GetSupports().Sum());
        for (int s = 1; s < train.SessionCount; s++)
            Assert.IsTrue(train.SessionStartTimes[s - 1] <= train.SessionStartTimes[s]);

        var test = SessionFileReader.Read(TestData.Rsc15("test"), vocabulary: train.Items);
        Assert.AreEqual(13_568, test.EventCount);
        Assert.AreEqual(3_416, test.SessionCount);
        Assert.AreEqual(0L, test.DroppedUnknownItemEvents);
        Assert.AreEqual(2_933, train.Items.Count, "a frozen vocabulary must not grow");
    }
}
