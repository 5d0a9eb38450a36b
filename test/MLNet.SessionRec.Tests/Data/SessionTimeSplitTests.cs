using MLNet.SessionRec.Data;
using static MLNet.SessionRec.Tests.Data.Rsc15PreprocessorTests;

namespace MLNet.SessionRec.Tests.Data;

[TestClass]
public sealed class SessionTimeSplitTests
{
    [TestMethod]
    [TestCategory(TestData.SharedData)]
    public void SplittingTrainFullByOneDayGivesTheOfficialTrainTrAndValid()
    {
        // GRU4Rec's script made rsc15-100k's train_tr / train_valid from train_full with the same rule.
        var dir = Directory.CreateTempSubdirectory("split").FullName;
        try
        {
            var (train, test) = SessionTimeSplit.SplitFile(TestData.Rsc15("train_full"), null, 1,
                Path.Combine(dir, "tr.tsv"), Path.Combine(dir, "valid.tsv"));
            CollectionAssert.AreEqual(ReadOutput(TestData.Rsc15("train_tr")), ReadOutput(train.Path));
            CollectionAssert.AreEqual(ReadOutput(TestData.Rsc15("train_valid")), ReadOutput(test.Path));
            Assert.AreEqual(53_254L, train.Events);
            Assert.AreEqual(13_629, train.Sessions);
            Assert.AreEqual(16_539L, test.Events);
            Assert.AreEqual(4_084, test.Sessions);
        }
        finally { Directory.Delete(dir, true); }
    }

    [TestMethod]
    [TestCategory(TestData.SharedData)]
    public void DatasetSplitAgreesWithTheOfficialFiles()
    {
        var full = SessionFileReader.Read(TestData.Rsc15("train_full"));
        var (train, test) = SessionTimeSplit.Split(full, 1);
        var officialTrain = SessionFileReader.Read(TestData.Rsc15("train_tr"));
        var officialTest = SessionFileReader.Read(TestData.Rsc15("train_valid"), vocabulary: officialTrain.Items);
        AssertSameSessions(officialTrain, train);
        AssertSameSessions(officialTest, test);
        Assert.AreEqual(officialTrain.Items.Count, train.Items.Count);
        for (int i = 0; i < train.Items.Count; i++)
        {
            Assert.IsTrue(officialTrain.Items.TryGetIndex(train.Items.GetId(i), out int j));
            Assert.AreEqual(officialTrain.Items.GetSupport(j), train.Items.GetSupport(i));
        }
        Assert.IsTrue(test.DroppedUnknownItemEvents > 0, "valid sessions hold items unseen in train_tr");
    }

    [TestMethod]
    public void SplitBySessionStartPutsOnlyLateStartingSessionsInTest()
    {
        var full = SessionFileReader.Read(TestData.Rsc15("train_full"));
        var (train, test) = SessionTimeSplit.Split(full, 1, SessionTimeSplitBy.SessionStart, minTestSessionLength: 1);
        double threshold = Enumerable.Range(0, full.SessionCount).Max(full.GetSessionEndTime) - 86_400;
        int expectedTest = Enumerable.Range(0, full.SessionCount).Count(s => full.GetSessionStartTime(s) >= threshold);
        Assert.AreEqual(full.SessionCount - expectedTest, train.SessionCount);
        Assert.IsTrue(test.SessionCount <= expectedTest && test.SessionCount > 0);
        Assert.AreEqual(expectedTest, test.SessionCount + (int)test.DroppedShortSessions);
        Assert.IsTrue(Enumerable.Range(0, test.SessionCount).All(s => test.GetSessionStartTime(s) >= threshold));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SessionTimeSplit.Split(full, 0));
    }

    private static void AssertSameSessions(SessionDataset expected, SessionDataset actual)
    {
        Assert.AreEqual(expected.SessionCount, actual.SessionCount);
        Assert.AreEqual(expected.EventCount, actual.EventCount);
        // Matched by id: a split keeps each session's original start time, so a test session whose first event was
        // dropped (unknown item) may sit elsewhere than in a re-read file ordered by the remaining events.
        var position = Enumerable.Range(0, actual.SessionCount).ToDictionary(s => actual.SessionIds[s]);
        for (int s = 0; s < expected.SessionCount; s++)
        {
            int t = position[expected.SessionIds[s]];
            var a = expected.GetSession(s).ToArray().Select(expected.Items.GetId);
            var b = actual.GetSession(t).ToArray().Select(actual.Items.GetId);
            CollectionAssert.AreEqual(a.ToList(), b.ToList(), expected.SessionIds[s]);
        }
    }
}
