using MLNet.SessionRec.Baselines;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.EvaluationApp.Adapters;
using MLNet.SessionRec.EvaluationApp.Commands;

namespace MLNet.SessionRec.Tests.App;

/// <summary>
/// <c>train</c> then <c>recommend</c> end to end on rsc15-100k: the zip is an ML.NET model and every output line
/// equals the list the model computes in-process for that session prefix.
/// </summary>
[TestClass]
public sealed class TrainRecommendTests
{
    [TestMethod]
    public void MarkovSavedByTrainRecommendsWhatAnInProcessModelComputes()
    {
        using var dir = new AppRunner.TempDir();
        string zip = dir.File("markov.zip");
        AppRunner.Run("train", "--train", TestData.Rsc15("train_full"), "--output", zip, "--models", "markov", "--quiet").AssertSuccess();

        // Real events plus items the model never saw: mid-session (state unchanged) and opening a session (cold start).
        var rows = TestEvents(600).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        rows.Insert(2, "1\tno-such-item\t1396860670");
        rows.Add("unseen\tno-such-item\t1396999999");
        rows.Add(rows[1].Replace("1\t", "unseen\t", StringComparison.Ordinal));
        string input = string.Join('\n', rows) + "\n";
        var r = AppRunner.RunWithInput(input, "recommend", "--model", zip, "--input", "-", "--top", "10");
        r.AssertSuccess();
        // Trained here independently of the zip: the saved model must be the same model.
        var model = MarkovModel.Train(SessionFileReader.Read(TestData.Rsc15("train_full"), new SessionFileOptions()));
        long unknown = AssertLinesMatch(input, r.Out, model, 10);
        Assert.AreEqual(2L, unknown);
        Assert.Contains($"note: {unknown} events had items the model does not know", r.Err);
    }

    [TestMethod]
    public void Gru4RecSavedByTrainLoadsAndStreamsItsOwnLists()
    {
        using var dir = new AppRunner.TempDir();
        string zip = dir.File("gru.zip");
        var t = AppRunner.Run("train", "--train", TestData.Rsc15("train_full"), "--output", zip, "--n-epochs", "1", "--layers", "32",
            "--n-sample", "64", "--batch-size", "64", "--seed", "5", "--quiet");
        t.AssertSuccess();

        string input = TestEvents(300);
        string events = dir.File("events.tsv");
        File.WriteAllText(events, input);
        var r = AppRunner.Run("recommend", "--model", zip, "--input", events);
        r.AssertSuccess();
        using var loaded = SessionRecommender.Load(zip);
        Assert.AreEqual("gru4rec", loaded.Model.Name);
        AssertLinesMatch(input, r.Out, loaded.Model, 20);
        // Sessions interleaved round-robin, with only 3 live model states: evicted sessions are replayed on return,
        // so every line is still the model's list for that prefix.
        string interleaved = Interleave(input);
        using (var recommender = ModelStore.Load(zip))
        {
            var capped = new StringWriter();
            EventStream.Recommend(new StringReader(interleaved), "interleaved", recommender, 20, capped, CancellationToken.None, maxLiveSessions: 3);
            AssertLinesMatch(interleaved, capped.ToString(), loaded.Model, 20);
        }
        // The trained weights were saved, not a fresh network: one short epoch is far above POP (0.09) here.
        var test = SessionFileReader.Read(TestData.Rsc15("test"), new SessionFileOptions(), loaded.Model.Items);
        Assert.IsGreaterThan(0.3, RankingEvaluator.Evaluate(loaded.Model, test, null).At(20).Recall);
    }

    [TestMethod]
    public void TrainToAMissingDirectoryFailsBeforeTraining()
    {
        var r = AppRunner.Run("train", "--train", TestData.Rsc15("train_full"), "--output", "/no/such/dir/model.zip", "--models", "pop");
        r.AssertOneLineError("/no/such/dir");
    }

    [TestMethod]
    public void RecommendRefusesInputWithoutItemColumn()
    {
        using var dir = new AppRunner.TempDir();
        string zip = dir.File("pop.zip");
        AppRunner.Run("train", "--train", TestData.Rsc15("train_full"), "--output", zip, "--models", "pop", "--quiet").AssertSuccess();
        AppRunner.RunWithInput("SessionId\tProduct\n1\t2\n", "recommend", "--model", zip, "--input", "-").AssertOneLineError("ItemId");
    }

    [TestMethod]
    public void CorruptedModelZipIsOneLineNamingFileAndReason()
    {
        using var dir = new AppRunner.TempDir();
        string zip = dir.File("pop.zip");
        AppRunner.Run("train", "--train", TestData.Rsc15("train_full"), "--output", zip, "--models", "pop", "--quiet").AssertSuccess();
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Update))
        {
            var entry = archive.Entries.Single(e => e.FullName.EndsWith("SessionModel.bin", StringComparison.Ordinal));
            byte[] bytes;
            using (var read = entry.Open()) { using var copy = new MemoryStream(); read.CopyTo(copy); bytes = copy.ToArray(); }
            bytes[^5] ^= 0xFF; // inside the model body: the checksum no longer matches
            using var write = entry.Open();
            write.SetLength(0);
            write.Write(bytes);
        }
        var r = AppRunner.Run("recommend", "--model", zip, "--input", TestData.Rsc15("test"));
        r.AssertOneLineError("pop.zip");
        Assert.Contains("checksum mismatch", r.Err);
        Assert.AreEqual("", r.Out);
    }

    // The same events with the sessions interleaved round-robin (order within each session kept).
    private static string Interleave(string input)
    {
        var rows = input.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var queues = rows.Skip(1).GroupBy(r => r.Split('\t')[0]).Select(g => new Queue<string>(g)).ToList();
        var mixed = new List<string> { rows[0] };
        while (queues.Any(q => q.Count > 0))
            foreach (var q in queues.Where(q => q.Count > 0)) mixed.Add(q.Dequeue());
        return string.Join('\n', mixed) + "\n";
    }

    // Header and the first n events of the test file.
    private static string TestEvents(int n) => string.Join('\n', File.ReadLines(TestData.Rsc15("test")).Take(n + 1)) + "\n";

    // Replays the events with the model's raw scorer (one per session) and compares every output line:
    // session, 0-based position, and the top-k by score (ties to the lower item index). Returns the unknown-item events.
    private static long AssertLinesMatch(string input, string output, ISessionModel model, int k)
    {
        var rows = input.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = rows[0].Split('\t');
        int sessionCol = Array.IndexOf(header, "SessionId"), itemCol = Array.IndexOf(header, "ItemId");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(rows.Length - 1, lines, "one output line per event");
        var sessions = new Dictionary<string, (ISessionScorer Scorer, float[] Scores, int Position, bool Started)>();
        long unknown = 0, compared = 0;
        try
        {
            for (int i = 1; i < rows.Length; i++)
            {
                var fields = rows[i].Split('\t');
                string session = fields[sessionCol];
                if (!sessions.TryGetValue(session, out var s)) s = (model.CreateScorer(1), new float[model.Items.Count], -1, false);
                if (model.Items.TryGetIndex(fields[itemCol], out int index)) { s.Scorer.Step([index], s.Scores); s.Started = true; }
                else unknown++;
                s.Position++;
                sessions[session] = s;

                var got = lines[i - 1].TrimEnd('\r').Split('\t');
                Assert.HasCount(3, got, lines[i - 1]);
                Assert.AreEqual(session, got[0], $"line {i}");
                Assert.AreEqual(s.Position.ToString(System.Globalization.CultureInfo.InvariantCulture), got[1], $"line {i}");
                var items = got[2].Split(',');
                Assert.HasCount(k, items, $"line {i}");
                if (!s.Started) continue; // cold-start answer: not computed by the raw scorer
                var scores = s.Scores;
                var expected = Enumerable.Range(0, scores.Length).OrderByDescending(j => scores[j]).ThenBy(j => j).Take(k).Select(model.Items.GetId).ToArray();
                CollectionAssert.AreEqual(expected, items, $"line {i}: {lines[i - 1]}");
                compared++;
            }
        }
        finally
        {
            foreach (var s in sessions.Values) s.Scorer.Dispose();
        }
        Assert.IsGreaterThan((rows.Length - 1) / 2, (int)compared, "most lines compared");
        return unknown;
    }
}
