using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Tests.Data;

[TestClass]
public sealed class SessionDatasetBuilderTests
{
    [TestMethod]
    public void RejectsBlankIdsAndNonFiniteTimes()
    {
        var b = new SessionDatasetBuilder();
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => b.Add(" ", "a", 1)).Message, "session id");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => b.Add("s", "", 1)).Message, "item id of session 's'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => b.Add("s", "a", double.NaN)).Message, "NaN");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => b.Add("s", "a", double.PositiveInfinity)).Message, "finite");
        Assert.AreEqual(0, b.EventCount, "rejected events must not be stored");
        b.Add("s", "a", 1);
        Assert.AreEqual(1, b.Build().EventCount);
    }
}
