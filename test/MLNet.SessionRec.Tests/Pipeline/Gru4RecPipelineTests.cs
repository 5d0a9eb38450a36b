using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.ML;

namespace MLNet.SessionRec.Tests.Pipeline;

/// <summary>GRU4Rec through the ML.NET catalog: pipeline, save/load in a fresh process, streaming, logging, cancellation.</summary>
[TestClass]
public sealed class Gru4RecPipelineTests
{
    public TestContext TestContext { get; set; } = null!;

    // One short epoch with small settings keeps the suite fast; accuracy is issue 3's business.
    private static Gru4RecTrainer.Options SmallOptions(int epochs = 1) =>
        new() { LayerSizes = [48], BatchSize = 32, NumberOfSamples = 256, LearningRate = 0.1, Momentum = 0.1, DropoutProbabilityHidden = 0.2, NumberOfEpochs = epochs };

    private static readonly Lazy<(MLContext Ml, ITransformer Model, IDataView Train, ConcurrentQueue<string> Log)> Trained = new(() =>
    {
        var ml = new MLContext(seed: 42);
        var log = new ConcurrentQueue<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("Epoch", StringComparison.Ordinal)) log.Enqueue(e.Message); };
        var train = PipelineTestData.Events(ml, "train_full");
        var pipeline = ml.Transforms.Conversion.MapValueToKey("ItemId")
            .Append(ml.SessionRecommendation().Trainers.Gru4Rec(SmallOptions()));
        return (ml, pipeline.Fit(train), train, log);
    });

    [TestMethod]
    public void TrainedInAPipelineItLoadsInAFreshProcessWithIdenticalTop20AndRecall()
    {
        var (ml, model, train, log) = Trained.Value;
        Assert.IsTrue(log.Any(m => m.Contains("Epoch 1", StringComparison.Ordinal)), "per-epoch progress in mlContext.Log");
        string path = Path.Combine(TestContext.TestRunResultsDirectory ?? Path.GetTempPath(), $"gru4rec-{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, train.Schema, path);

        var prefixes = PipelineTestData.Prefixes("test", 400);
        var original = PipelineTestData.Predict(ml, model, prefixes);
        Assert.IsTrue(original.All(p => p.PredictedItems.Length == 20));
        var metrics = ml.SessionRecommendation().Evaluate(model, PipelineTestData.Events(ml, "test"));
        Assert.IsGreaterThan(0.3, metrics.RecallAt(20), $"one small epoch should beat POP (0.09) clearly: {metrics}");

        string input = path + ".sessions.txt", output = path + ".predictions.txt";
        File.WriteAllLines(input, prefixes.Select(p => string.Join(' ', p)));
        string stdout = PipelineTestData.RunLoadCheck(path, input, output, TestData.Rsc15("test"));
        CollectionAssert.AreEqual(original.Select(PipelineTestData.Line).ToList(), File.ReadAllLines(output));
        StringAssert.Contains(stdout, string.Create(CultureInfo.InvariantCulture, $"Recall@20={metrics.RecallAt(20):R} MRR@20={metrics.MrrAt(20):R}"));
    }

    [TestMethod]
    public void StreamingStatesGiveTheSameTopKAsTransform()
    {
        var (ml, model, _, _) = Trained.Value;
        var transformer = SessionRecommenderLoading.Find(model);
        var prefixes = PipelineTestData.Prefixes("test", 40);
        var batched = PipelineTestData.Predict(ml, model, prefixes);
        using var recommender = transformer.CreateRecommender();
        // Streaming: one live session per test session, fed event by event, compared at every prefix.
        int compared = 0;
        RecommendationSession? live = null;
        for (int i = 0; i < prefixes.Count; i++)
        {
            if (prefixes[i].Length == 1) { live?.Dispose(); live = recommender.StartSession(); live.Add(prefixes[i][0]); }
            else live!.Add(prefixes[i][^1]);
            var streamed = live!.Recommend();
            CollectionAssert.AreEqual(batched[i].PredictedItems, streamed.Select(r => r.ItemId).ToArray(), $"prefix {i}");
            for (int j = 0; j < streamed.Count; j++) Assert.AreEqual(batched[i].Score[j], streamed[j].Score, 1e-5f, $"prefix {i} score {j}");
            compared++;
        }
        live?.Dispose();
        Assert.IsGreaterThan(100, compared);

        // Many threads, one shared recommender, sessions in parallel: same answers.
        var parallel = new ConcurrentDictionary<int, string[]>();
        Parallel.For(0, prefixes.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            parallel[i] = recommender.Recommend(prefixes[i]).Select(r => r.ItemId).ToArray());
        for (int i = 0; i < prefixes.Count; i++) CollectionAssert.AreEqual(batched[i].PredictedItems, parallel[i], $"prefix {i} (parallel)");

        // The empty session gets GRU4Rec's zero-state answer: the items with the largest output bias.
        using var empty = recommender.StartSession();
        var cold = empty.Recommend(5);
        var zeroState = PipelineTestData.Predict(ml, model, [[]]).Single();
        Assert.HasCount(5, cold);
        CollectionAssert.AreEqual(zeroState.PredictedItems[..5], cold.Select(r => r.ItemId).ToArray());
        var model0 = (MLNet.SessionRec.Gru4Rec.Gru4RecModel)transformer.Model;
        var bias = model0.Network.By.data<float>().ToArray();
        Assert.AreEqual(bias.Max(), cold[0].Score, 1e-6f, "h = 0 scores are the output bias");
    }

    [TestMethod]
    public void SameSeedSameModelAndValidationIsReportedPerEpoch()
    {
        var (ml, model, _, _) = Trained.Value;
        var again = new MLContext(seed: 42);
        var reports = new List<Gru4RecEpochReport>();
        var options = SmallOptions();
        options.OnEpoch = reports.Add;
        var keyed = ml.Transforms.Conversion.MapValueToKey("ItemId").Fit(PipelineTestData.Events(again, "train_full"));
        var trainer = again.SessionRecommendation().Trainers.Gru4Rec(options);
        var second = trainer.Fit(keyed.Transform(PipelineTestData.Events(again, "train_full")), PipelineTestData.Events(again, "test"));
        Assert.HasCount(1, reports);
        Assert.IsNotNull(reports[0].Validation);
        Assert.IsGreaterThan(0.3, reports[0].Validation![0].Recall);

        var prefixes = PipelineTestData.Prefixes("test", 30);
        var first = PipelineTestData.Predict(ml, model, prefixes).Select(PipelineTestData.Line).ToList();
        var repeated = PipelineTestData.Predict(again, keyed.Append(second), prefixes).Select(PipelineTestData.Line).ToList();
        CollectionAssert.AreEqual(first, repeated, "same MLContext seed, same model");
    }

    [TestMethod]
    public void LoadingFollowsTheContextsDeviceRequestLikeTraining()
    {
        if (TorchSharp.torch.cuda.is_available()) Assert.Inconclusive("CUDA is available here.");
        var (ml, model, train, _) = Trained.Value;
        using var saved = new MemoryStream();
        ml.Model.Save(model, train.Schema, saved);

        var strict = new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = false };
        var e = Assert.Throws<Exception>(() => strict.Model.Load(new MemoryStream(saved.ToArray()), out _));
        var messages = string.Join(" | ", Enumerable.Repeat(e, 1).Concat(InnerExceptions(e)).Select(x => x.Message));
        StringAssert.Contains(messages, "FallbackToCpu", messages);

        var lenient = new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = true };
        var loaded = lenient.Model.Load(new MemoryStream(saved.ToArray()), out _);
        using var releaseLoaded = loaded as IDisposable;
        var prefixes = PipelineTestData.Prefixes("test", 20);
        CollectionAssert.AreEqual(PipelineTestData.Predict(ml, model, prefixes).Select(PipelineTestData.Line).ToList(),
            PipelineTestData.Predict(lenient, loaded, prefixes).Select(PipelineTestData.Line).ToList());
    }

    private static IEnumerable<Exception> InnerExceptions(Exception e)
    {
        for (var x = e.InnerException; x != null; x = x.InnerException) yield return x;
    }

    [TestMethod]
    public void CancelExecutionStopsTraining()
    {
        var ml = new MLContext(seed: 1);
        var options = SmallOptions(epochs: 5);
        int epochs = 0;
        options.OnEpoch = _ => { epochs++; ml.SessionRecommendation().CancelExecution(); };
        var trainer = ml.SessionRecommendation().Trainers.Gru4Rec(options);
        Assert.Throws<OperationCanceledException>(() => trainer.Fit(PipelineTestData.Events(ml, "train_full")));
        Assert.AreEqual(1, epochs);
    }

    [TestMethod]
    public void AGpuRequestWithoutCudaFailsClearlyUnlessFallbackIsAllowed()
    {
        if (TorchSharp.torch.cuda.is_available()) Assert.Inconclusive("CUDA is available here.");
        var ml = new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = false };
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.SessionRecommendation().Trainers.Gru4Rec(SmallOptions()).Fit(PipelineTestData.Events(ml, "train_full")));
        StringAssert.Contains(e.Message, "FallbackToCpu");
    }
}
