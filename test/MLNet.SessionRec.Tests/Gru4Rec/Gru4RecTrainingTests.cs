using Microsoft.ML;
using System.Diagnostics;
using MLNet.SessionRec.Data;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Tests.Gru4Rec;

[TestClass]
public sealed class Gru4RecTrainingTests
{
    private static float[] Weights(Gru4RecModel m) =>
        m.Network.NamedTensors().SelectMany(t => t.Tensor.detach().cpu().data<float>().ToArray()).ToArray();

    [TestMethod]
    public void SameSeedGivesTheSameModelOnCpu()
    {
        var data = Gru4RecTestData.Subset(400);
        foreach (var loss in new[] { "cross-entropy", "bpr-max" })
        {
            var options = Gru4RecTrainer.Options.Parse(Gru4RecTestData.SmallParams + $",loss={loss},n_epochs=2");
            using var a = Gru4RecTestData.TrainModel(data, options, seed: 11);
            using var b = Gru4RecTestData.TrainModel(data, options, seed: 11);
            using var c = Gru4RecTestData.TrainModel(data, options, seed: 12);
            CollectionAssert.AreEqual(Weights(a), Weights(b), loss);
            CollectionAssert.AreNotEqual(Weights(a), Weights(c), loss);
        }
    }

    [TestMethod]
    public void EveryLossAndEmbeddingModeTrainsToFiniteDecreasingLoss()
    {
        var data = Gru4RecTestData.Subset(300);
        string[] variants =
        [
            "loss=top1-max", "loss=top1", "loss=bpr", "loss=bpr-max,elu_param=0.5,bpreg=0.5",
            "loss=cross-entropy,constrained_embedding=False,embedding=24", // separate embedding
            "loss=cross-entropy,constrained_embedding=False,embedding=0,layers=24/16,dropout_p_embed=0.1", // one-hot input GRU + 2 layers
            "loss=cross-entropy,n_sample=0", // in-batch negatives only
        ];
        foreach (var v in variants)
        {
            var reports = new List<Gru4RecEpochReport>();
            var options = Gru4RecTrainer.Options.Parse(Gru4RecTestData.SmallParams + "," + v + ",n_epochs=3");
            using var model = Gru4RecTestData.TrainModel(data, options, seed: 3, onEpoch: reports.Add);
            Assert.AreEqual(3, reports.Count, v);
            Assert.IsTrue(reports.All(r => double.IsFinite(r.Loss)), v);
            Assert.IsTrue(reports[^1].Loss < reports[0].Loss, $"{v}: loss {reports[0].Loss} -> {reports[^1].Loss}");
            using var scorer = model.CreateScorer(1);
            var scores = new float[model.Items.Count];
            scorer.Step([0], scores);
            Assert.IsTrue(scores.All(float.IsFinite), v);
        }
    }

    [TestMethod]
    public void EpochCountsEveryEventWithASuccessor()
    {
        var data = Gru4RecTestData.Subset(200);
        long expected = 0;
        for (int s = 0; s < data.SessionCount; s++) if (data.GetSessionLength(s) >= 2) expected += data.GetSessionLength(s) - 1;
        var options = Gru4RecTrainer.Options.Parse(Gru4RecTestData.SmallParams);
        using var net = new Gru4RecNetwork(options, data.Items.Count, CPU);
        using var trainer = new Gru4RecTrainingLoop(net, data, new Random(1));
        var (_, events, _) = trainer.Epoch(data, 1, null);
        Assert.AreEqual(expected, events);
    }

    [TestMethod]
    public void FewerSessionsThanBatchSlotsTrainsWithTheSmallerFirstBatch()
    {
        var data = Gru4RecTestData.Subset(5); // 5 sessions, 16 slots: the first mini-batch already has fewer rows
        var options = Gru4RecTrainer.Options.Parse(Gru4RecTestData.SmallParams);
        using var net = new Gru4RecNetwork(options, data.Items.Count, CPU);
        using var trainer = new Gru4RecTrainingLoop(net, data, new Random(1));
        var (loss, events, _) = trainer.Epoch(data, 1, null);
        Assert.IsTrue(double.IsFinite(loss), $"loss {loss}");
        Assert.AreEqual(data.EventCount - data.SessionCount, events);
    }

    [TestMethod]
    public void LogQCorrectsInBatchColumnsBySupportAndSampledColumnsBySupportToTheAlpha()
    {
        using var scope = NewDisposeScope();
        var data = Gru4RecTestData.Subset(200);
        long[] support = Gru4RecTrainingLoop.CountSupports(data, data.Items.Count);
        var options = Gru4RecTrainer.Options.Parse("loss=cross-entropy,layers=8,batch_size=3,n_sample=2,sample_alpha=0.25,logq=0.8");
        using var net = new Gru4RecNetwork(options, data.Items.Count, CPU);
        using var trainer = new Gru4RecTrainingLoop(net, data, new Random(1));
        int top = Array.IndexOf(support, support.Max()), rare = Array.IndexOf(support, 1L);
        long[] y = [top, rare, top, top, rare]; // 3 in-batch targets, then 2 samples
        var offset = trainer.LogQOffset(tensor(y), 3)!.data<float>().ToArray();
        double[] expected = y.Select((item, j) => 0.8 * Math.Log(Math.Pow(support[item], j < 3 ? 1 : 0.25))).ToArray();
        for (int j = 0; j < y.Length; j++) Assert.AreEqual(expected[j], offset[j], 1e-4, $"column {j}");
        // Other losses, or logq=0: no correction.
        using var plainNet = new Gru4RecNetwork(Gru4RecTrainer.Options.Parse("loss=bpr-max,layers=8,batch_size=3,n_sample=2,logq=0.8"), data.Items.Count, CPU);
        using var plain = new Gru4RecTrainingLoop(plainNet, data, new Random(1));
        Assert.IsNull(plain.LogQOffset(tensor(y), 3));
    }

    [TestMethod]
    public void TrainingDataWithoutATargetIsRefusedByName()
    {
        var b = new SessionDatasetBuilder();
        b.Add("s1", "a", 1);
        b.Add("s2", "b", 2);
        b.Add("s3", "a", 3);
        b.Add("s3", "b", 4);
        var oneSession = b.Build();
        var singles = new SessionDatasetBuilder();
        singles.Add("s1", "a", 1);
        singles.Add("s2", "b", 2);
        var e = Assert.ThrowsExactly<ArgumentException>(() => Gru4RecTestData.TrainModel(singles.Build(), Gru4RecTrainer.Options.Parse(Gru4RecTestData.SmallParams)));
        StringAssert.Contains(e.Message, "at least two events");
        e = Assert.ThrowsExactly<ArgumentException>(() => Gru4RecTestData.TrainModel(oneSession, Gru4RecTrainer.Options.Parse(Gru4RecTestData.SmallParams + ",n_sample=0")));
        StringAssert.Contains(e.Message, "n_sample=0");
        using var model = Gru4RecTestData.TrainModel(oneSession, Gru4RecTrainer.Options.Parse(Gru4RecTestData.SmallParams), seed: 1);
        Assert.AreEqual(2, model.Items.Count);
    }

    [TestMethod]
    public void CancellationBetweenStepsStopsTraining()
    {
        var data = Gru4RecTestData.Subset(300);
        int calls = 0;
        var ml = new MLContext(1);
        // Cancelled from the second progress report (after 32 mini-batches): the very next step stops the run.
        Assert.ThrowsExactly<OperationCanceledException>(() => Gru4RecTestData.TrainModel(data, Gru4RecTrainer.Options.Parse(Gru4RecTestData.SmallParams),
            onProgress: _ => { if (++calls == 2) ml.SessionRecommendation().CancelExecution(); }, mlContext: ml));
        Assert.AreEqual(2, calls);
    }

    [TestMethod]
    public void NativeMemoryStaysFlatOverEpochs()
    {
        var data = Gru4RecTestData.Subset(1500);
        var rss = new List<long>();
        var live = new List<long>(); // tensors alive on this (the training) thread: exact, unlike the resident size
        var options = Gru4RecTrainer.Options.Parse("loss=cross-entropy,layers=100,batch_size=32,n_sample=2048,dropout_p_hidden=0.4,learning_rate=0.2,momentum=0.2,logq=1.0,n_epochs=5");
        using var model = Gru4RecTestData.TrainModel(data, options, seed: 1, onEpoch: _ =>
        {
            live.Add(TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            using var p = Process.GetCurrentProcess();
            rss.Add(p.WorkingSet64);
        });
        Assert.AreEqual(live[0], live[4], $"live tensors per epoch: {string.Join(", ", live)}");
        double growthMb = (rss[4] - rss[0]) / 1048576.0;
        Assert.IsTrue(growthMb < 8, $"resident memory grew by {growthMb:F1} MB from epoch 1 to 5 ({string.Join(", ", rss.Select(r => r / 1048576))} MB)");
    }

    /// <summary>
    /// One epoch of the official RSC15 cross-entropy setting on rsc15-100k (train_full -> test). The official PyTorch code
    /// reached Recall@20 0.5650 / MRR@20 0.2776 after one epoch here (seed 42, run_official.py); ours measured
    /// 0.557-0.569 / 0.282-0.287 (seeds 1, 2). The bounds leave room for seed noise only.
    /// </summary>
    [TestMethod]
    public void OneEpochOnRsc15ReachesTheOfficialOneEpochAccuracy()
    {
        var train = Gru4RecTestData.Train;
        var test = SessionFileReader.Read(TestData.Rsc15("test"), vocabulary: train.Items);
        var options = Gru4RecTrainer.Options.Parse("loss=cross-entropy,constrained_embedding=True,layers=100,batch_size=32,dropout_p_embed=0.0,dropout_p_hidden=0.4,learning_rate=0.2,momentum=0.2,n_sample=2048,sample_alpha=0.5,bpreg=0.0,logq=1.0,n_epochs=1");
        var reports = new List<Gru4RecEpochReport>();
        using var model = Gru4RecTestData.TrainModel(train, options, seed: 1, validation: test, onEpoch: reports.Add);
        var m = reports[0].Validation!.Single(x => x.Cutoff == 20);
        Assert.IsTrue(m.Recall > 0.53, $"Recall@20 {m.Recall:F4}");
        Assert.IsTrue(m.Mrr > 0.26, $"MRR@20 {m.Mrr:F4}");
    }
}
