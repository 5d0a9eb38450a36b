using System.Collections.Concurrent;
using Microsoft.ML;
using MLNet.SessionRec.Gru4Rec;
using MLNet.SessionRec.Tests.Persistence;
using static MLNet.SessionRec.Tests.Pipeline.TransformerTests;

namespace MLNet.SessionRec.Tests.Pipeline;

/// <summary>
/// Disposal under load: a recommender or transformer disposed while other threads use it must let the calls in flight
/// finish and refuse later calls with <see cref="ObjectDisposedException"/>. Freeing GRU4Rec's native weights under a
/// running torch op kills the whole process (SIGSEGV), so a regression here fails the test run loudly, not one test.
/// The models are the release-1 fixtures trained on the bundled rsc15-100k (GRU4Rec and SR), loaded afresh per round.
/// </summary>
[TestClass]
public sealed class DisposalRaceTests
{
    private const int Threads = 16;

    private static readonly Lazy<List<string[]>> Sessions = new(() =>
        File.ReadLines(TestData.Rsc15("test")).Skip(1).Select(l => l.Split('\t')).GroupBy(f => f[0]).Take(300)
            .Select(g => g.Select(f => f[1]).ToArray()).ToList());

    [TestMethod]
    [DataRow("gru4rec-ce", 200)]
    [DataRow("sr", 200)]
    public void DisposingARecommenderWhileSixteenThreadsStreamOnlyRefusesLaterCalls(string fixture, int rounds)
    {
        byte[] zip = File.ReadAllBytes(ModelFixtureTests.ZipPath(fixture));
        var sessions = Sessions.Value;
        var ml = new MLContext(seed: 1);
        var random = new Random(7);
        var failures = new ConcurrentQueue<string>();
        long answered = 0, refused = 0, roundsWithCallsBoth = 0;
        for (int round = 0; round < rounds; round++)
        {
            var recommender = SessionRecommender.Load(ml, new MemoryStream(zip, writable: false));
            // The random moment: after a random number of calls (0 = before any), not after a time.
            int disposeAfter = random.Next(0, 80);
            long calls = 0, refusedHere = 0;
            using var start = new Barrier(Threads + 1);
            var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                var rng = new Random(round * Threads + t);
                start.SignalAndWait();
                try
                {
                    while (true)
                    {
                        using var session = recommender.StartSession();
                        foreach (var item in sessions[rng.Next(sessions.Count)])
                        {
                            session.Add(item);
                            Interlocked.Increment(ref calls);
                        }
                        var list = session.Recommend();
                        if (list.Count != 20 || list.Any(r => !float.IsFinite(r.Score))) failures.Enqueue($"round {round}: a list of {list.Count} items or a non-finite score");
                        if (rng.Next(4) == 0)
                        {
                            using var copy = recommender.RestoreSession(session.ExportState());
                            if (copy.Recommend().Count != 20) failures.Enqueue($"round {round}: a restored session lost its list");
                        }
                        Interlocked.Increment(ref calls);
                        Interlocked.Increment(ref answered);
                    }
                }
                catch (ObjectDisposedException) { Interlocked.Increment(ref refusedHere); }
                catch (Exception e) { failures.Enqueue($"round {round}: {e.GetType().Name}: {e.Message}"); }
            })).ToList();
            workers.ForEach(w => w.Start());
            start.SignalAndWait();
            SpinWait.SpinUntil(() => Volatile.Read(ref calls) >= disposeAfter);
            long before = Volatile.Read(ref calls);
            recommender.Dispose();
            Assert.ThrowsExactly<ObjectDisposedException>(() => recommender.StartSession(), "a call after Dispose");
            foreach (var w in workers) w.Join();
            recommender.Dispose(); // twice: no effect
            Assert.AreEqual(Threads, refusedHere, $"round {round}: every streaming thread ends on ObjectDisposedException");
            if (recommender.Model is Gru4RecModel gru) Assert.IsTrue(gru.IsDisposed, "the loaded GRU4Rec model is released with its recommender");
            refused += refusedHere;
            if (before > 0) roundsWithCallsBoth++;
        }
        Assert.IsEmpty(failures, string.Join("\n", failures.Take(10)));
        Assert.AreEqual((long)rounds * Threads, refused);
        Assert.IsGreaterThan(0, answered, "lists were answered before the disposals");
        Assert.IsGreaterThan(rounds / 2, roundsWithCallsBoth, "most disposals came while the threads were streaming");
    }

    [TestMethod]
    public void DisposingATransformerWhileThreadsTransformAndPredictOnlyRefusesLaterCalls()
    {
        byte[] zip = File.ReadAllBytes(ModelFixtureTests.ZipPath("gru4rec-ce"));
        var ml = new MLContext(seed: 1);
        // 600 rows: three batches of 256 per pass, so a disposal can fall between two batches of one cursor.
        var rows = Sessions.Value.SelectMany(s => Enumerable.Range(1, s.Length).Select(n => s[..n])).Take(600).ToList();
        var data = ml.Data.LoadFromEnumerable(rows.Select(p => new TextSession { ItemId = p }));
        var random = new Random(11);
        var failures = new ConcurrentQueue<string>();
        long rowsRead = 0, predictions = 0;
        const int Rounds = 40;
        for (int round = 0; round < Rounds; round++)
        {
            var transformer = (SessionRecommendationTransformer)ml.Model.Load(new MemoryStream(zip, writable: false), out _);
            var model = (Gru4RecModel)transformer.Model;
            int disposeAfter = random.Next(0, 400);
            long calls = 0, refusedHere = 0;
            bool stop = false;
            using var start = new Barrier(Threads + 1);
            var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                try
                {
                    var rng = new Random(round * Threads + t);
                    // Engines keep the model alive: the engine threads stop asking for new ones at the owner's Dispose
                    // (as a server stops routing to a replaced model), and the last engine's disposal releases it
                    // while the Transform threads are still reading.
                    while (t % 2 == 0 || !Volatile.Read(ref stop))
                    {
                        if (t % 2 == 0)
                        {
                            // Transform, read row by row: batches of 256 are scored while the loop runs.
                            foreach (var row in ml.Data.CreateEnumerable<TextPrediction>(transformer.Transform(data), reuseRowObject: true))
                            {
                                if (row.PredictedItems.Length != 20) failures.Enqueue($"round {round}: a Transform row of {row.PredictedItems.Length} items");
                                Interlocked.Increment(ref calls);
                                Interlocked.Increment(ref rowsRead);
                            }
                        }
                        else
                        {
                            // The per-request engine (it holds the model until disposed: its disposal may be the release).
                            using var engine = ml.Model.CreatePredictionEngine<TextSession, TextPrediction>(transformer);
                            for (int i = 0; i < 5; i++)
                            {
                                var prediction = engine.Predict(new TextSession { ItemId = rows[rng.Next(rows.Count)] });
                                if (prediction.PredictedItems.Length != 20) failures.Enqueue($"round {round}: a prediction of {prediction.PredictedItems.Length} items");
                                Interlocked.Increment(ref calls);
                                Interlocked.Increment(ref predictions);
                            }
                        }
                    }
                }
                catch (ObjectDisposedException) { Interlocked.Increment(ref refusedHere); }
                catch (Exception e) { failures.Enqueue($"round {round}: {e.GetType().Name}: {e.Message}"); }
            })).ToList();
            workers.ForEach(w => w.Start());
            start.SignalAndWait();
            SpinWait.SpinUntil(() => Volatile.Read(ref calls) >= disposeAfter);
            Volatile.Write(ref stop, true);
            transformer.Dispose();
            foreach (var w in workers) w.Join();
            Assert.IsGreaterThanOrEqualTo(Threads / 2, refusedHere, $"round {round}: every Transform thread ends on ObjectDisposedException");
            Assert.IsTrue(model.IsDisposed, "the model is released once the last engine is gone");
            Assert.ThrowsExactly<ObjectDisposedException>(() => transformer.Transform(data));
        }
        Assert.IsEmpty(failures, string.Join("\n", failures.Take(10)));
        Assert.IsGreaterThan(0, rowsRead);
        Assert.IsGreaterThan(0, predictions);
    }

    [TestMethod]
    public void AGru4RecModelDisposedUnderItsScorersWaitsForTheirCallsAndThenRefusesThem()
    {
        byte[] zip = File.ReadAllBytes(ModelFixtureTests.ZipPath("gru4rec-ce"));
        var ml = new MLContext(seed: 1);
        var sessions = Sessions.Value;
        for (int round = 0; round < 50; round++)
        {
            var transformer = (SessionRecommendationTransformer)ml.Model.Load(new MemoryStream(zip, writable: false), out _);
            var model = (Gru4RecModel)transformer.Model;
            long steps = 0, refused = 0;
            var failures = new ConcurrentQueue<string>();
            var workers = Enumerable.Range(0, 8).Select(t => new Thread(() =>
            {
                try
                {
                    using var scorer = model.CreateScorer(4);
                    var items = new int[4];
                    var top = new int[4 * 5];
                    var topScores = new float[4 * 5];
                    var rng = new Random(t + round * 8);
                    while (true)
                    {
                        for (int s = 0; s < 4; s++) items[s] = rng.Next(model.Items.Count);
                        scorer.StepTopK(items, 5, top, topScores);
                        Interlocked.Increment(ref steps);
                    }
                }
                catch (ObjectDisposedException) { Interlocked.Increment(ref refused); }
                catch (Exception e) { failures.Enqueue($"{e.GetType().Name}: {e.Message}"); }
            })).ToList();
            workers.ForEach(w => w.Start());
            SpinWait.SpinUntil(() => Volatile.Read(ref steps) >= round);
            model.Dispose();
            foreach (var w in workers) w.Join();
            Assert.IsEmpty(failures, string.Join("\n", failures));
            Assert.AreEqual(8, refused);
            var e = Assert.ThrowsExactly<ObjectDisposedException>(() => model.CreateScorer(1));
            StringAssert.Contains(e.Message, "disposed");
        }
    }
}
