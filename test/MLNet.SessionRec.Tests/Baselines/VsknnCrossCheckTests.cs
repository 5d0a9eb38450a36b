using System.Globalization;
using MLNet.SessionRec.Baselines;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Tests.Baselines;

/// <summary>
/// Compares V-SKNN with the top-50 lists session-rec itself wrote for the first 99 rsc15-100k test sessions (387
/// predictions) with conf/example_next.yml: SessionId;Position;Recommendations;Scores, scores divided by the row's
/// maximum, items without a score at 0 after the scored ones in an arbitrary order.
/// </summary>
/// <remarks>
/// session-rec keeps the k = 500 neighbours after a stable sort by similarity of its candidate set, so among
/// candidates of equal similarity at the cut it keeps those that come first in the iteration order of a CPython
/// <c>set</c> of session ids; 99 of the 387 predictions have such a tie at the cut. The library keeps the more recent
/// sessions instead. The first test reproduces session-rec's order (<see cref="PythonIntSet"/>) and then requires
/// every list position to agree; the second keeps the library's order and requires equal Recall@20 and MRR@20.
/// </remarks>
[TestClass]
public sealed class VsknnCrossCheckTests
{
    public TestContext TestContext { get; set; } = null!;

    private sealed record Row(string Session, int Position, string[] Ids, double[] Scores);

    private sealed record Data(SessionDataset Train, SessionDataset Test, VectorSessionKnnModel Model, List<Row> Rows, string Root);

    private static readonly Lazy<Data?> Shared = new(Load);

    private static Data? Load()
    {
        string root;
        try { root = TestData.Root; }
        catch (DirectoryNotFoundException) { return null; }
        string file = Path.Combine(root, "rsc15-100k", "session-rec-recommendations", "recoms_rsc15_100k_vsknn.csv");
        if (!File.Exists(file) || !File.Exists(TestData.Rsc15("train_full"))) return null;
        var train = SessionFileReader.Read(TestData.Rsc15("train_full"));
        var test = SessionFileReader.Read(TestData.Rsc15("test"), vocabulary: train.Items);
        var rows = File.ReadLines(file).Skip(1).Select(line =>
        {
            var f = line.Split(';');
            return new Row(f[0], int.Parse(f[1], CultureInfo.InvariantCulture), f[2].Split(','),
                f[3].Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray());
        }).ToList();
        return new Data(train, test, VectorSessionKnnModel.Train(train, VectorSessionKnnOptions.SessionRecExample), rows, root);
    }

    private static Data Require()
    {
        var data = Shared.Value;
        if (data == null) Assert.Inconclusive("rsc15-100k with session-rec's V-SKNN lists is not in ../shared/data (or $SESSIONREC_DATA).");
        Assert.HasCount(387, data.Rows, "predictions in the session-rec lists");
        return data;
    }

    [TestMethod]
    [TestCategory("SharedData")]
    public void WithSessionRecsNeighbourTieOrderEveryListPositionAgrees()
    {
        var d = Require();
        var (train, test, model) = (d.Train, d.Test, d.Model);

        // session-rec's item -> sessions sets, filled in training-file row order (vsknn.py fit).
        var sessionsOf = new Dictionary<long, PythonIntSet>();
        foreach (var line in File.ReadLines(TestData.Rsc15("train_full")).Skip(1))
        {
            var f = line.Split('\t');
            long item = long.Parse(f[1], CultureInfo.InvariantCulture);
            if (!sessionsOf.TryGetValue(item, out var set)) sessionsOf[item] = set = new PythonIntSet();
            set.Add(long.Parse(f[0], CultureInfo.InvariantCulture));
        }
        // The index numbers sessions by recency: latest last event first, equal times the later dataset session first.
        var byRecency = Enumerable.Range(0, train.SessionCount)
            .OrderByDescending(s => train.GetSessionEndTime(s)).ThenByDescending(s => s).ToArray();
        var idOfRank = byRecency.Select(s => long.Parse(train.SessionIds[s], CultureInfo.InvariantCulture)).ToArray();
        for (int r = 0; r < byRecency.Length; r++)
            Assert.AreEqual(train.GetSessionEndTime(byRecency[r]), model.Index.Time(r), $"recency rank {r}");

        var sessionIndex = test.SessionIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        int positions = 0, swaps = 0, differences = 0;
        foreach (var row in d.Rows)
        {
            var events = test.GetSession(sessionIndex[row.Session]);
            // predict_next accumulates relevant_sessions = relevant_sessions | sessions_for_item(input) per event.
            var relevant = new PythonIntSet();
            foreach (int item in events[..(row.Position + 1)])
                relevant = PythonIntSet.Union(relevant, sessionsOf[long.Parse(model.Items.GetId(item), CultureInfo.InvariantCulture)]);
            var order = relevant.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
            var scores = model.ScoreItems(events[..(row.Position + 1)], rank => order[idOfRank[rank]]);
            var (p, s, diff) = Compare(model, scores, row);
            positions += p; swaps += s; differences += diff;
        }
        TestContext.WriteLine($"{positions} list positions: {swaps} swaps of equal scores, {differences} differences");
        Assert.AreEqual(0, differences, "list positions whose scores differ from session-rec's");
    }

    [TestMethod]
    [TestCategory("SharedData")]
    public void WithTheLibrarysTieOrderRecallAndMrrEqualSessionRecs()
    {
        var d = Require();
        var (test, model) = (d.Test, d.Model);
        var sessionIndex = test.SessionIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        int positions = 0, swaps = 0, differences = 0, rowsDiffering = 0;
        double theirRecall = 0, theirMrr = 0;
        foreach (var row in d.Rows)
        {
            var events = test.GetSession(sessionIndex[row.Session]);
            var (p, s, diff) = Compare(model, model.ScoreItems(events[..(row.Position + 1)]), row);
            positions += p; swaps += s; differences += diff;
            if (diff > 0) rowsDiffering++;
            int hit = Array.IndexOf(row.Ids, model.Items.GetId(events[row.Position + 1]));
            if (hit is >= 0 and < 20) { theirRecall++; theirMrr += 1.0 / (hit + 1); }
        }
        theirRecall /= d.Rows.Count;
        theirMrr /= d.Rows.Count;

        // The same 387 predictions through the library's evaluator (conservative ties).
        var ids = d.Rows.Select(r => r.Session).ToHashSet();
        var builder = new SessionDatasetBuilder(model.Items);
        foreach (var line in File.ReadLines(TestData.Rsc15("test")).Skip(1))
        {
            var f = line.Split('\t');
            if (ids.Contains(f[0])) builder.Add(f[0], f[1], double.Parse(f[2], CultureInfo.InvariantCulture));
        }
        var metrics = new RankingEvaluator().Evaluate(model, builder.Build());
        TestContext.WriteLine($"{positions} list positions: {swaps} swaps of equal scores, {differences} differences in {rowsDiffering} predictions");
        TestContext.WriteLine($"Recall@20 session-rec {theirRecall:F4} ours {metrics.RecallAt(20):F4}; MRR@20 session-rec {theirMrr:F4} ours {metrics.MrrAt(20):F4}");
        Assert.AreEqual(387L, metrics.Predictions, "predictions of the 99 sessions");
        Assert.AreEqual(theirRecall, metrics.RecallAt(20), 0.01, "Recall@20");
        Assert.AreEqual(theirMrr, metrics.MrrAt(20), 0.01, "MRR@20");
    }

    /// <summary>
    /// Compares one prediction with session-rec's row: at every list position our score of session-rec's item and
    /// our score at that position must equal session-rec's score (so the items differ only by swaps of equal
    /// scores). Returns (positions, swaps, differing positions).
    /// </summary>
    private static (int Positions, int Swaps, int Differences) Compare(VectorSessionKnnModel model, IReadOnlyDictionary<int, double> raw, Row row)
    {
        double max = raw.Values.Max();
        var ours = raw.ToDictionary(kv => kv.Key, kv => kv.Value / max);
        var ourList = ours.OrderByDescending(kv => kv.Value).Select(kv => kv.Key).ToArray();
        int swaps = 0, differences = 0;
        for (int k = 0; k < row.Ids.Length; k++)
        {
            Assert.IsTrue(model.Items.TryGetIndex(row.Ids[k], out int theirs), $"unknown item {row.Ids[k]}");
            double theirScore = row.Scores[k];
            double ourScoreOfTheirs = ours.GetValueOrDefault(theirs);
            double ourScoreHere = k < ourList.Length ? ours[ourList[k]] : 0;
            bool sameItem = k < ourList.Length ? ourList[k] == theirs : theirScore == 0;
            if (!Close(ourScoreOfTheirs, theirScore) || !Close(ourScoreHere, theirScore)) differences++;
            else if (!sameItem) swaps++;
        }
        return (row.Ids.Length, swaps, differences);
    }

    private static bool Close(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Abs(b));

    /// <summary>
    /// The iteration order of a CPython 3.5/3.6 <c>set</c> of non-negative integers (hash = value): open addressing
    /// with 9 linear probes then perturbed probing, growth to 4 × used when 2/3 full, and set_merge's presizing and
    /// clean insertion, as far as <c>add</c> and <c>|</c> use them (no deletions). Only what the cross-check needs.
    /// </summary>
    private sealed class PythonIntSet : IEnumerable<long>
    {
        private const int LinearProbes = 9, PerturbShift = 5;
        private long?[] _table = new long?[8];
        private int _fill;

        public int Count { get; private set; }

        private ulong Mask => (ulong)_table.Length - 1;

        private bool Full(int fill) => fill * 3L >= _table.Length * 2L;

        public void Add(long key)
        {
            ulong mask = Mask, perturb = (ulong)key, i = (ulong)key & mask;
            while (true)
            {
                if (_table[i] is not { } k0) break;
                if (k0 == key) return;
                bool free = false;
                if (i + LinearProbes <= mask)
                    for (ulong j = i + 1; j <= i + LinearProbes; j++)
                    {
                        if (_table[j] is not { } kj) { i = j; free = true; break; }
                        if (kj == key) return;
                    }
                if (free) break;
                perturb >>= PerturbShift;
                i = (i * 5 + 1 + perturb) & mask;
            }
            _table[i] = key;
            _fill++;
            Count++;
            if (Full(_fill)) Resize(Count > 50000 ? Count * 2 : Count * 4);
        }

        private void InsertClean(long key)
        {
            ulong mask = Mask, perturb = (ulong)key, i = (ulong)key & mask;
            while (true)
            {
                if (_table[i] == null) { _table[i] = key; return; }
                if (i + LinearProbes <= mask)
                    for (ulong j = i + 1; j <= i + LinearProbes; j++)
                        if (_table[j] == null) { _table[j] = key; return; }
                perturb >>= PerturbShift;
                i = (i * 5 + 1 + perturb) & mask;
            }
        }

        private void Resize(int minUsed)
        {
            int size = 8;
            while (size <= minUsed) size <<= 1;
            var old = _table;
            _table = new long?[size];
            foreach (var key in old)
                if (key is { } k) InsertClean(k);
        }

        private void Merge(PythonIntSet other)
        {
            if (other.Count == 0) return;
            if (Full(_fill + other.Count)) Resize((Count + other.Count) * 2);
            if (_fill == 0 && _table.Length == other._table.Length)
            {
                _table = (long?[])other._table.Clone();
                _fill = other._fill;
                Count = other.Count;
                return;
            }
            if (_fill == 0)
            {
                foreach (var key in other._table)
                    if (key is { } k) InsertClean(k);
                _fill = Count = other.Count;
                return;
            }
            foreach (var key in other._table)
                if (key is { } k) Add(k);
        }

        /// <summary><c>a | b</c>: a copy of <paramref name="a"/> merged with <paramref name="b"/>.</summary>
        public static PythonIntSet Union(PythonIntSet a, PythonIntSet b)
        {
            var result = new PythonIntSet();
            result.Merge(a);
            result.Merge(b);
            return result;
        }

        public IEnumerator<long> GetEnumerator()
        {
            foreach (var key in _table)
                if (key is { } k) yield return k;
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
