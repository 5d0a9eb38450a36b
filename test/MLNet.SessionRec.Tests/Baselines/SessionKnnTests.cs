using MLNet.SessionRec.Baselines;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Tests.Baselines;

/// <summary>The session-kNN family on four tiny training sessions, with every formula computed by hand.</summary>
[TestClass]
public sealed class SessionKnnTests
{
    // Sessions (last event at the end of day d): "1" = A B C (day 1), "2" = B D (day 2), "3" = C A E A (day 3),
    // "4" = D E (day 4). Dense indices A 0, B 1, C 2, D 3, E 4. Recency ranks: "4" 0, "3" 1, "2" 2, "1" 3.
    // Events: A 3, B 2, C 2, D 2, E 2 over 4 sessions, so idf_A = ln(4/3) and every other idf = ln 2.
    private const int A = 0, B = 1, C = 2, D = 3, E = 4;
    private const int S4 = 0, S3 = 1, S2 = 2, S1 = 3;
    private const double Day = 86400;
    private static readonly double IdfA = Math.Log(4 / 3.0), Idf = Math.Log(2);

    private static SessionDataset Train()
    {
        var b = new SessionDatasetBuilder();
        void Add(string id, int day, params string[] items)
        {
            for (int i = 0; i < items.Length; i++) b.Add(id, items[i], day * Day - (items.Length - 1 - i));
        }
        Add("1", 1, "A", "B", "C");
        Add("2", 2, "B", "D");
        Add("3", 3, "C", "A", "E", "A");
        Add("4", 4, "D", "E");
        var train = b.Build();
        CollectionAssert.AreEqual(new[] { "A", "B", "C", "D", "E" }, train.Items.Ids.ToArray());
        return train;
    }

    private static void AssertScores(IReadOnlyDictionary<int, double> actual, string what, params (int Item, double Score)[] expected)
    {
        string Show(IEnumerable<KeyValuePair<int, double>> s) => string.Join(", ", s.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value:R}"));
        Assert.HasCount(expected.Length, actual, $"{what}: scored items {Show(actual)}");
        foreach (var (item, score) in expected)
        {
            Assert.IsTrue(actual.ContainsKey(item), $"{what}: item {item} has no score ({Show(actual)})");
            Assert.AreEqual(score, actual[item], 1e-12, $"{what}: item {item}");
        }
    }

    [TestMethod]
    public void IndexOrdersSessionsByRecencyAndSamplesTheMostRecentSharingAnItem()
    {
        var model = SessionKnnModel.Train(Train());
        var index = model.Index;
        Assert.AreEqual(4, index.SessionCount);
        CollectionAssert.AreEqual(new[] { 4 * Day, 3 * Day, 2 * Day, 1 * Day }, Enumerable.Range(0, 4).Select(index.Time).ToArray());
        CollectionAssert.AreEqual(new[] { C, A, E, A }, index.Events(S3).ToArray());
        CollectionAssert.AreEqual(new[] { A, C, E }, index.Distinct(S3).ToArray());
        CollectionAssert.AreEqual(new[] { S3, S1 }, index.SessionsOf(A).ToArray());
        Assert.AreEqual(IdfA, index.Idf(A), 1e-15);
        Assert.AreEqual(Idf, index.Idf(E), 1e-15);

        var output = new List<int>();
        int[] heap = [], cursor = [];
        index.Sample([A, B], 0, output, ref heap, ref cursor);
        CollectionAssert.AreEqual(new[] { S3, S2, S1 }, output, "the union of A's and B's sessions, most recent first");
        index.Sample([A, B], 2, output, ref heap, ref cursor);
        CollectionAssert.AreEqual(new[] { S3, S2 }, output, "sample_size 2 keeps the two most recent");
        index.Sample([E, D, A], 3, output, ref heap, ref cursor);
        CollectionAssert.AreEqual(new[] { S4, S3, S2 }, output, "sessions shared by several items count once");
    }

    [TestMethod]
    public void EqualEndTimesPutTheLaterDatasetSessionFirst()
    {
        var b = new SessionDatasetBuilder();
        b.Add("x", "A", 0); b.Add("x", "B", 10);
        b.Add("y", "A", 5); b.Add("y", "C", 10);
        var model = SessionKnnModel.Train(b.Build());
        CollectionAssert.AreEqual(new[] { 0, 2 }, model.Index.Events(0).ToArray(), "y (first event later) is rank 0");
    }

    [TestMethod]
    public void SessionKnnSumsTheSimilaritiesOfTheNeighboursContainingAnItem()
    {
        // Current session A B, s = {A, B}; candidates "1" {A,B,C}, "2" {B,D}, "3" {A,C,E} ("4" shares nothing).
        var train = Train();
        var jaccard = SessionKnnModel.Train(train);
        Assert.AreEqual(SessionKnnSimilarity.Jaccard, jaccard.Options.Similarity, "session-rec's default");
        double j1 = 2 / 3.0, j2 = 1 / 3.0, j3 = 1 / 4.0; // |∩| / |∪|
        AssertScores(jaccard.ScoreItems([A, B]), "jaccard", (A, j1 + j3), (B, j1 + j2), (C, j1 + j3), (D, j2), (E, j3));

        var cosine = SessionKnnModel.Train(train, new SessionKnnOptions { Similarity = SessionKnnSimilarity.Cosine });
        double c1 = 2 / (Math.Sqrt(2) * Math.Sqrt(3)), c2 = 1 / (Math.Sqrt(2) * Math.Sqrt(2)), c3 = 1 / (Math.Sqrt(2) * Math.Sqrt(3));
        AssertScores(cosine.ScoreItems([A, B]), "cosine", (A, c1 + c3), (B, c1 + c2), (C, c1 + c3), (D, c2), (E, c3));

        var binary = SessionKnnModel.Train(train, new SessionKnnOptions { Similarity = SessionKnnSimilarity.Binary });
        double b1 = 4 / 9.0, b2 = 2 / 6.0, b3 = 2 / 7.0; // 2|∩| / (2|∩| + |s| + |n|)
        AssertScores(binary.ScoreItems([A, B]), "binary", (A, b1 + b3), (B, b1 + b2), (C, b1 + b3), (D, b2), (E, b3));

        // k = 1 keeps the most similar session; sample_size 2 drops the oldest candidate "1".
        AssertScores(SessionKnnModel.Train(train, new SessionKnnOptions { K = 1 }).ScoreItems([A, B]), "k = 1", (A, j1), (B, j1), (C, j1));
        AssertScores(SessionKnnModel.Train(train, new SessionKnnOptions { SampleSize = 2 }).ScoreItems([A, B]), "sample_size 2",
            (A, j3), (B, j2), (C, j3), (D, j2), (E, j3));

        // D: "2" {B,D} and "4" {D,E} are equally similar (1/2); with k = 1 the more recent "4" is the neighbour.
        var k1 = SessionKnnModel.Train(train, new SessionKnnOptions { K = 1 });
        CollectionAssert.AreEqual(new[] { (S4, 1 / 2.0) }, k1.FindNeighbors([D]).ToArray());
        AssertScores(k1.ScoreItems([D]), "tie at k", (D, 1 / 2.0), (E, 1 / 2.0));
    }

    [TestMethod]
    public void SessionKnnRemindsTheLastThreeEventsAndBoostsPopularItems()
    {
        var train = Train();
        double j1 = 2 / 3.0, j2 = 1 / 3.0, j3 = 1 / 4.0;
        // remind: the last three events (here A then B, c = 1, 2) get (score + 5) · 5 + c / 100.
        var remind = SessionKnnModel.Train(train, new SessionKnnOptions { Remind = true });
        AssertScores(remind.ScoreItems([A, B]), "remind", (A, (j1 + j3 + 5) * 5 + 0.01), (B, (j1 + j2 + 5) * 5 + 0.02), (C, j1 + j3), (D, j2), (E, j3));
        // D E A A: the last three events are E (c = 1), A (c = 2) and A again (c = 3), so A is reminded twice.
        // s = {A, D, E}: jaccard "1" 1/5, "2" 1/4, "3" 2/4, "4" 2/3.
        double a = 1 / 5.0 + 1 / 2.0, e = 1 / 2.0 + 2 / 3.0;
        AssertScores(remind.ScoreItems([D, E, A, A]), "remind twice",
            (A, ((a + 5) * 5 + 0.02 + 5) * 5 + 0.03), (B, 1 / 5.0 + 1 / 4.0), (C, 1 / 5.0 + 1 / 2.0), (D, 1 / 4.0 + 2 / 3.0), (E, (e + 5) * 5 + 0.01));

        // pop_boost 2: neighbours "1", "2", "3" contain A 2, B 2, C 2, D 1, E 1 times (max 2).
        var boost = SessionKnnModel.Train(train, new SessionKnnOptions { PopBoost = 2 });
        AssertScores(boost.ScoreItems([A, B]), "pop_boost", (A, j1 + j3 + 2), (B, j1 + j2 + 2), (C, j1 + j3 + 2), (D, j2 + 1), (E, j3 + 1));

    }

    [TestMethod]
    public void SequentialSessionKnnDecaysANeighbourByHowFarBackItsSharedItemIs()
    {
        // A B: "1" shares B (the last event, d = 1), "2" shares B (d = 1), "3" shares only A (d = 2).
        var model = SequentialSessionKnnModel.Train(Train());
        Assert.AreEqual(SessionKnnWeighting.Div, model.Options.Weighting, "session-rec's default");
        double j1 = 2 / 3.0, j2 = 1 / 3.0, j3 = 1 / 4.0;
        AssertScores(model.ScoreItems([A, B]), "div", (A, j1 + j3 / 2), (B, j1 + j2), (C, j1 + j3 / 2), (D, j2), (E, j3 / 2));
        var quadratic = SequentialSessionKnnModel.Train(Train(), new SequentialSessionKnnOptions { Weighting = SessionKnnWeighting.Quadratic });
        AssertScores(quadratic.ScoreItems([A, B]), "quadratic", (A, j1 + j3 / 4), (B, j1 + j2), (C, j1 + j3 / 4), (D, j2), (E, j3 / 4));
    }

    [TestMethod]
    public void WeightingFunctionsAreSessionRecs()
    {
        // Position weights of event i of L (vsknn.py linear, same, div, log, quadratic), quirks included.
        Assert.AreEqual(1, SessionKnnWeights.Position(SessionKnnWeighting.Same, 2, 5));
        Assert.AreEqual(0.4, SessionKnnWeights.Position(SessionKnnWeighting.Div, 2, 5), 1e-15);
        Assert.AreEqual(0.7, SessionKnnWeights.Position(SessionKnnWeighting.Linear, 2, 5), 1e-15);
        Assert.AreEqual(0, SessionKnnWeights.Position(SessionKnnWeighting.Linear, 11, 12), "linear is 0 after the 10th event");
        Assert.AreEqual(-0.4, SessionKnnWeights.Position(SessionKnnWeighting.Linear, 1, 15), 1e-15, "and negative for early events of long sessions");
        Assert.AreEqual(1 / Math.Log10(4.7), SessionKnnWeights.Position(SessionKnnWeighting.Log, 2, 5), 1e-15);
        Assert.AreEqual(1 / Math.Log10(1.7), SessionKnnWeights.Position(SessionKnnWeighting.Log, 5, 5), 1e-15);
        Assert.AreEqual(0.16, SessionKnnWeights.Position(SessionKnnWeighting.Quadratic, 2, 5), 1e-15);
        // Decays of step d (vsknn.py *_score, the S-SKNN weighting).
        Assert.AreEqual(1, SessionKnnWeights.Decay(SessionKnnWeighting.Same, 3));
        Assert.AreEqual(1 / 3.0, SessionKnnWeights.Decay(SessionKnnWeighting.Div, 3), 1e-15);
        Assert.AreEqual(0.7, SessionKnnWeights.Decay(SessionKnnWeighting.Linear, 3), 1e-15);
        Assert.AreEqual(0, SessionKnnWeights.Decay(SessionKnnWeighting.Linear, 101));
        Assert.AreEqual(1 / Math.Log10(4.7), SessionKnnWeights.Decay(SessionKnnWeighting.Log, 3), 1e-15);
        Assert.AreEqual(1 / 9.0, SessionKnnWeights.Decay(SessionKnnWeighting.Quadratic, 3), 1e-15);
    }

    [TestMethod]
    public void VectorSessionKnnWeighsTheSessionByPositionAndDecaysNeighbours()
    {
        // A B A, L = 3: A's last occurrence is 3 and B is 2; with div weights w_A = 1, w_B = 2/3; |s| = 2.
        var train = Train();
        var model = VectorSessionKnnModel.Train(train);
        Assert.AreEqual(VectorSessionKnnSimilarity.Vec, model.Options.Similarity, "session-rec's default");
        double v1 = (1 + 2 / 3.0) / 2, v2 = 2 / 3.0 / 2, v3 = 1 / 2.0;
        // Decay (div): "1" and "3" contain A (the last event, d = 1), "2" only B (d = 2).
        AssertScores(model.ScoreItems([A, B, A]), "vec, div",
            (A, v1 + v3), (B, v1 + v2 / 2), (C, v1 + v3), (D, v2 / 2), (E, v3));
        CollectionAssert.AreEqual(new[] { (S1, v1), (S3, v3), (S2, v2) }, model.FindNeighbors([A, B, A]).ToArray());

        // idf_weighting 2: each contribution times (1 + 2 idf_i).
        var idf = VectorSessionKnnModel.Train(train, new VectorSessionKnnOptions { IdfWeighting = 2 });
        double fa = 1 + 2 * IdfA, f = 1 + 2 * Idf;
        AssertScores(idf.ScoreItems([A, B, A]), "idf",
            (A, (v1 + v3) * fa), (B, (v1 + v2 / 2) * f), (C, (v1 + v3) * f), (D, v2 / 2 * f), (E, v3 * f));

        // Quadratic weights, cosine similarity: w_A = 1, w_B = 4/9, Σ w² = 1 + 16/81.
        var cosine = VectorSessionKnnModel.Train(train, new VectorSessionKnnOptions { Similarity = VectorSessionKnnSimilarity.Cosine, Weighting = SessionKnnWeighting.Quadratic });
        double norm = Math.Sqrt(1 + 16 / 81.0);
        double q1 = (1 + 4 / 9.0) / (norm * Math.Sqrt(3)), q2 = 4 / 9.0 / (norm * Math.Sqrt(2)), q3 = 1 / (norm * Math.Sqrt(3));
        AssertScores(cosine.ScoreItems([A, B, A]), "cosine, quadratic", (A, q1 + q3), (B, q1 + q2 / 2), (C, q1 + q3), (D, q2 / 2), (E, q3));

        // weighting_score quadratic: "2" gets 1/4 instead of 1/2.
        var decay = VectorSessionKnnModel.Train(train, new VectorSessionKnnOptions { WeightingScore = SessionKnnWeighting.Quadratic });
        AssertScores(decay.ScoreItems([A, B, A]), "quadratic decay", (A, v1 + v3), (B, v1 + v2 / 4), (C, v1 + v3), (D, v2 / 4), (E, v3));
    }

    [TestMethod]
    public void VectorSessionKnnOptionsRemindPushLastClicksAndSessionIdf()
    {
        var train = Train();
        double v1 = (1 + 2 / 3.0) / 2, v2 = 2 / 3.0 / 2, v3 = 1 / 2.0;
        // remind False: the session's own items are not scored.
        AssertScores(VectorSessionKnnModel.Train(train, new VectorSessionKnnOptions { Remind = false }).ScoreItems([A, B, A]), "remind off",
            (C, v1 + v3), (D, v2 / 2), (E, v3));
        // push_reminders: A occurs twice (× 3), B once (× 2).
        AssertScores(VectorSessionKnnModel.Train(train, new VectorSessionKnnOptions { PushReminders = true }).ScoreItems([A, B, A]), "push",
            (A, 3 * (v1 + v3)), (B, 2 * (v1 + v2 / 2)), (C, v1 + v3), (D, v2 / 2), (E, v3));
        // last_n_clicks 1: only the last A is weighted (w = 1, |s| = 1); "2" is a candidate through B but has similarity 0.
        AssertScores(VectorSessionKnnModel.Train(train, new VectorSessionKnnOptions { LastNClicks = 1 }).ScoreItems([A, B, A]), "last 1",
            (A, 2), (B, 1), (C, 2), (E, 1));
        // idf_weighting_session: w_A = idf_A, w_B = ln 2.
        double i1 = (IdfA + Idf) / 2, i2 = Idf / 2, i3 = IdfA / 2;
        AssertScores(VectorSessionKnnModel.Train(train, new VectorSessionKnnOptions { IdfWeightingSession = true }).ScoreItems([A, B, A]), "session idf",
            (A, i1 + i3), (B, i1 + i2 / 2), (C, i1 + i3), (D, i2 / 2), (E, i3));
    }

    [TestMethod]
    public void StanCombinesPositionRecencyAndNeighbourItemDecays()
    {
        // A B, L = 2, λ1 = 1: w_A = e^-1, w_B = 1. Cosine with the weights; λ2 = 1 day from the most recent
        // candidate "3" (day 3): "2" × e^-1, "1" × e^-2. λ3 = 1: distance to the neighbour's last shared event.
        var options = new StanOptions { LambdaSpw = 1, LambdaSnh = 1, LambdaInh = 1 };
        var model = StanModel.Train(Train(), options);
        double e = Math.E, norm = Math.Sqrt(1 / (e * e) + 1);
        double s1 = (1 / e + 1) / (norm * Math.Sqrt(3)) / (e * e), s2 = 1 / (norm * Math.Sqrt(2)) / e, s3 = 1 / e / (norm * Math.Sqrt(3));
        CollectionAssert.AreEqual(new[] { S2, S3, S1 }, model.FindNeighbors([A, B]).Select(n => n.Session).ToArray(), "by decayed similarity");
        Assert.AreEqual(s2, model.FindNeighbors([A, B])[0].Similarity, 1e-15);
        // "1" = A B C: last shared event B at 2 -> A e^-1, B 1, C e^-1. "2" = B D: B at 1 -> B 1, D e^-1.
        // "3" = C A E A: last shared event A at 4 -> C (at 1) e^-3, A 1, E (at 3) e^-1.
        AssertScores(model.ScoreItems([A, B]), "stan",
            (A, s1 / e + s3), (B, s1 + s2), (C, s1 / e + s3 / (e * e * e)), (D, s2 / e), (E, s3 / e));

        AssertScores(StanModel.Train(Train(), new StanOptions { LambdaSpw = 1, LambdaSnh = 1, LambdaInh = 1, Remind = false }).ScoreItems([A, B]), "remind off",
            (C, s1 / e + s3 / (e * e * e)), (D, s2 / e), (E, s3 / e));

        // Without the three factors STAN is S-KNN with cosine similarity over every candidate.
        var plain = StanModel.Train(Train(), new StanOptions { LambdaSpw = null, LambdaSnh = null, LambdaInh = null });
        var sknn = SessionKnnModel.Train(Train(), new SessionKnnOptions { Similarity = SessionKnnSimilarity.Cosine });
        var expected = sknn.ScoreItems([A, B]);
        AssertScores(plain.ScoreItems([A, B]), "no factors", expected.Select(kv => (kv.Key, kv.Value)).ToArray());

        var defaults = new StanOptions();
        Assert.AreEqual((100, 5000, true, 1.02, 5.0, 2.05), (defaults.K, defaults.SampleSize, defaults.Remind, defaults.LambdaSpw, defaults.LambdaSnh, defaults.LambdaInh));
    }

    [TestMethod]
    public void StanRankingDoesNotDependOnTheReferenceTime()
    {
        // Moving every training session by the same time multiplies all decayed similarities by one factor; the
        // normalised scores stay the same (session-rec uses the predicted event's time, the library the newest candidate).
        var shifted = new SessionDatasetBuilder();
        foreach (var (id, day, items) in new[] { ("1", 1, "A B C"), ("2", 2, "B D"), ("3", 3, "C A E A"), ("4", 4, "D E") })
        {
            var list = items.Split(' ');
            for (int i = 0; i < list.Length; i++) shifted.Add(id, list[i], day * Day - (list.Length - 1 - i) - 1e6);
        }
        var options = new StanOptions { LambdaSpw = 1, LambdaSnh = 1, LambdaInh = 1 };
        var a = StanModel.Train(Train(), options).ScoreItems([A, B]);
        var b = StanModel.Train(shifted.Build(), options).ScoreItems([A, B]);
        foreach (var (item, score) in a) Assert.AreEqual(score, b[item], 1e-12, $"item {item}");
    }

    [TestMethod]
    public void VStanAddsIdfAndTheNeighbourPositionDecay()
    {
        // As the STAN case, plus λ_ipw = 1: "1" and "2" contain B (position 2 = L) -> 1, "3" only A (position 1) -> e^-1;
        // λ_idf = 2: times (1 + 2 idf_i).
        var model = VStanModel.Train(Train(), new VStanOptions { LambdaSpw = 1, LambdaSnh = 1, LambdaInh = 1, LambdaIpw = 1, LambdaIdf = 2 });
        double e = Math.E, norm = Math.Sqrt(1 / (e * e) + 1);
        double s1 = (1 / e + 1) / (norm * Math.Sqrt(3)) / (e * e), s2 = 1 / (norm * Math.Sqrt(2)) / e, s3 = 1 / e / (norm * Math.Sqrt(3));
        double fa = 1 + 2 * IdfA, f = 1 + 2 * Idf;
        AssertScores(model.ScoreItems([A, B]), "vstan",
            (A, (s1 / e + s3 / e) * fa), (B, (s1 + s2) * f), (C, (s1 / e + s3 / (e * e * e) / e) * f), (D, s2 / e * f), (E, s3 / e / e * f));

        // Without λ_ipw and λ_idf V-STAN is STAN.
        var stan = StanModel.Train(Train(), new StanOptions { LambdaSpw = 1, LambdaSnh = 1, LambdaInh = 1 });
        var vstan = VStanModel.Train(Train(), new VStanOptions { LambdaSpw = 1, LambdaSnh = 1, LambdaInh = 1, LambdaIpw = null, LambdaIdf = null });
        AssertScores(vstan.ScoreItems([A, B]), "no ipw, no idf", stan.ScoreItems([A, B]).Select(kv => (kv.Key, kv.Value)).ToArray());

        var defaults = new VStanOptions();
        Assert.AreEqual((1.02, 5.0), (defaults.LambdaIpw, defaults.LambdaIdf));
    }

    private static IEnumerable<ISavableSessionModel> AllModels(SessionDataset train) =>
    [
        SessionKnnModel.Train(train, new SessionKnnOptions { K = 2, SampleSize = 3, Similarity = SessionKnnSimilarity.Cosine, Remind = true, PopBoost = 0.5 }),
        VectorSessionKnnModel.Train(train, new VectorSessionKnnOptions { K = 3, Weighting = SessionKnnWeighting.Log, WeightingScore = SessionKnnWeighting.Linear, IdfWeighting = 1.5, PushReminders = true, LastNClicks = 2 }),
        SequentialSessionKnnModel.Train(train, new SequentialSessionKnnOptions { Similarity = SessionKnnSimilarity.Binary, Weighting = SessionKnnWeighting.Log }),
        StanModel.Train(train, new StanOptions { LambdaSpw = 0.7, LambdaSnh = null, LambdaInh = 3 }),
        VStanModel.Train(train, new VStanOptions { K = 2, LambdaIdf = null }),
    ];

    /// <summary>Feeds <paramref name="session"/> into slot 1 of a 2-slot scorer (slot 0 idle) and returns the last row.</summary>
    private static float[] ScoresAfter(ISessionModel model, params int[] session)
    {
        int n = model.Items.Count;
        using var scorer = model.CreateScorer(2);
        var scores = new float[2 * n];
        foreach (int item in session) scorer.Step([-1, item], scores);
        return scores[n..];
    }

    [TestMethod]
    public void ScorersWriteScoresDividedByTheLargestAndFollowSlotsIndependently()
    {
        foreach (var model in AllModels(Train()).Cast<SessionNeighborhoodModel>())
        {
            int[][] sessions = [[A, B, A], [D], [C, E, E, B]];
            foreach (var session in sessions)
            {
                var raw = model.ScoreItems(session);
                double max = raw.Values.Max();
                var row = ScoresAfter(model, session);
                for (int i = 0; i < row.Length; i++)
                    Assert.AreEqual(raw.TryGetValue(i, out double s) ? (float)(s / max) : 0f, row[i], $"{model.Name} item {i} after {string.Join(" ", session)}");
            }

            // Two slots at once, one reset in between.
            int n = model.Items.Count;
            using var scorer = model.CreateScorer(2);
            var scores = new float[2 * n];
            scorer.Step([A, C], scores);
            scorer.Step([B, E], scores);
            scorer.ResetSlot(0);
            scorer.Step([D, E], scores);
            CollectionAssert.AreEqual(ScoresAfter(model, D), scores[..n], $"{model.Name}: slot 0 after its reset");
            CollectionAssert.AreEqual(ScoresAfter(model, C, E, E), scores[n..], $"{model.Name}: slot 1");
        }
    }

    [TestMethod]
    public void EveryModelRoundTripsAndRejectsBadData()
    {
        var train = Train();
        foreach (var model in AllModels(train))
        {
            using var stream = new MemoryStream();
            using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) SessionModelRegistry.Write(writer, model);
            var bytes = stream.ToArray();
            var copy = SessionModelRegistry.Read(new BinaryReader(new MemoryStream(bytes)));
            Assert.AreEqual(model.GetType(), copy.GetType());
            Assert.AreEqual(model.ModelKind, copy.ModelKind);
            foreach (var session in new[] { new[] { A, B, A }, [E], [C, D, B, B] })
                CollectionAssert.AreEqual(ScoresAfter(model, session), ScoresAfter(copy, session), $"{model.Name} after {string.Join(" ", session)}");
            using (var again = new MemoryStream())
            {
                using (var writer = new BinaryWriter(again, System.Text.Encoding.UTF8, leaveOpen: true)) SessionModelRegistry.Write(writer, copy);
                CollectionAssert.AreEqual(bytes, again.ToArray(), $"{model.Name} writes back the same bytes");
            }

            Assert.ThrowsExactly<InvalidDataException>(() => SessionModelRegistry.Read(new BinaryReader(new MemoryStream(bytes[..^5]))), $"{model.Name} truncated");
            Assert.ThrowsExactly<InvalidDataException>(() => SessionModelRegistry.Read(new BinaryReader(new MemoryStream(bytes[..(bytes.Length / 2)]))), $"{model.Name} cut in half");

            // The body starts after magic, version and kind; the options follow the vocabulary.
            int body = HeaderLength(model.ModelKind) + VocabularyLength(model.Items);
            var badK = (byte[])bytes.Clone();
            BitConverter.GetBytes(0).CopyTo(badK, body); // every model writes k first
            var e = Assert.ThrowsExactly<InvalidDataException>(() => SessionModelRegistry.Read(new BinaryReader(new MemoryStream(badK))), $"{model.Name} k = 0");
            StringAssert.Contains(e.Message, "K must be");

            // The index's last event (an item index, just before the trailer) outside the vocabulary.
            var badItem = (byte[])bytes.Clone();
            BitConverter.GetBytes(99).CopyTo(badItem, bytes.Length - TrailerLength() - 4);
            e = Assert.ThrowsExactly<InvalidDataException>(() => SessionModelRegistry.Read(new BinaryReader(new MemoryStream(badItem))), $"{model.Name} item 99");
            StringAssert.Contains(e.Message, "outside the vocabulary");
        }
    }

    [TestMethod]
    public void ReadRejectsIndexesOutOfRecencyOrderOrWithBadLengths()
    {
        var model = SessionKnnModel.Train(Train());
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) SessionModelRegistry.Write(writer, model);
        var bytes = stream.ToArray();
        // Index layout: sessions, events, then per session (time double, length int), then the events.
        int index = HeaderLength(model.ModelKind) + VocabularyLength(model.Items) + 4 + 4 + 4 + 1 + 8;
        Assert.AreEqual(4, BitConverter.ToInt32(bytes, index), "session count");
        Assert.AreEqual(11, BitConverter.ToInt32(bytes, index + 4), "event count");

        var order = (byte[])bytes.Clone();
        BitConverter.GetBytes(10 * Day).CopyTo(order, index + 8 + 12); // the second session newer than the first
        var e = Assert.ThrowsExactly<InvalidDataException>(() => SessionModelRegistry.Read(new BinaryReader(new MemoryStream(order))));
        StringAssert.Contains(e.Message, "not ordered");

        var length = (byte[])bytes.Clone();
        BitConverter.GetBytes(0).CopyTo(length, index + 8 + 8); // first session empty
        e = Assert.ThrowsExactly<InvalidDataException>(() => SessionModelRegistry.Read(new BinaryReader(new MemoryStream(length))));
        StringAssert.Contains(e.Message, "invalid length");

        var huge = (byte[])bytes.Clone();
        BitConverter.GetBytes(int.MaxValue).CopyTo(huge, index + 4); // more events than the stream holds
        Assert.ThrowsExactly<InvalidDataException>(() => SessionModelRegistry.Read(new BinaryReader(new MemoryStream(huge))));
    }

    [TestMethod]
    public void TrainRejectsInvalidOptions()
    {
        var train = Train();
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SessionKnnModel.Train(train, new SessionKnnOptions { K = 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SessionKnnModel.Train(train, new SessionKnnOptions { SampleSize = -1 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SessionKnnModel.Train(train, new SessionKnnOptions { PopBoost = double.NaN }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SequentialSessionKnnModel.Train(train, new SequentialSessionKnnOptions { Weighting = (SessionKnnWeighting)9 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => VectorSessionKnnModel.Train(train, new VectorSessionKnnOptions { LastNClicks = 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => VectorSessionKnnModel.Train(train, new VectorSessionKnnOptions { IdfWeighting = -1 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => StanModel.Train(train, new StanOptions { LambdaSnh = 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => VStanModel.Train(train, new VStanOptions { LambdaIpw = double.PositiveInfinity }));

        // The options are copied: changing them later does not change the model.
        var options = new SessionKnnOptions { K = 7 };
        var model = SessionKnnModel.Train(train, options);
        options.K = 1;
        Assert.AreEqual(7, model.Options.K);
    }

    [TestMethod]
    public void TheEvaluatorRanksWithTheModels()
    {
        var train = Train();
        var b = new SessionDatasetBuilder(train.Items);
        b.Add("t1", "A", 1); b.Add("t1", "B", 2); b.Add("t1", "D", 3);
        b.Add("t2", "E", 1); b.Add("t2", "D", 2);
        var test = b.Build();
        foreach (var model in AllModels(train))
        {
            var metrics = new RankingEvaluator(new RankingEvaluatorOptions { Cutoffs = [1, 5], Slots = 2 }).Evaluate(model, test);
            Assert.AreEqual(3L, metrics.Predictions, model.Name);
            Assert.IsTrue(metrics.RecallAt(5) > 0, $"{model.Name} recalls something among 5 items");
        }
    }

    private static int HeaderLength(string kind)
    {
        using var s = new MemoryStream();
        using (var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true)) { w.Write("MLNET-SESSIONREC"); w.Write(1); w.Write(kind); }
        return (int)s.Length;
    }

    private static int TrailerLength() => HeaderLength("") - 4 - 1; // the magic string alone

    private static int VocabularyLength(ItemVocabulary items)
    {
        using var s = new MemoryStream();
        using (var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true)) MLNet.SessionRec.Persistence.ModelBinary.WriteVocabulary(w, items);
        return (int)s.Length;
    }
}
