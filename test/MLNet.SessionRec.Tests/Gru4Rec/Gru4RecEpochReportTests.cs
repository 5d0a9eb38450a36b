using MLNet.SessionRec.Gru4Rec;

namespace MLNet.SessionRec.Tests.Gru4Rec;

[TestClass]
public sealed class Gru4RecEpochReportTests
{
    [TestMethod]
    public void ToStringPrintsTheValidationMetricsNotATypeName()
    {
        var report = new Gru4RecEpochReport(2, 1.25, 3.5, 1000, [new Gru4RecValidationMetric(20, 0.5, 0.25)]);
        Assert.AreEqual("Epoch 2: loss 1.250000 (3.50 s, 1000 events/s) Recall@20 0.5000 MRR@20 0.2500", report.ToString());
        Assert.AreEqual("Epoch 2: loss 1.250000 (3.50 s, 1000 events/s)", (report with { Validation = null }).ToString());
    }
}
