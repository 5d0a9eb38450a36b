
namespace MLNet.SessionRec.Tests.Gru4Rec;

[TestClass]
public sealed class Gru4RecModelTests
{
    private static readonly Lazy<Gru4RecModel> Trained = new(() =>
        Gru4RecTestData.TrainModel(Gru4RecTestData.Subset(300), Gru4RecTrainer.Options.Parse(Gru4RecTestData.SmallParams + ",layers=24/16"), seed: 5));

    private static float[] Scores(Gru4RecScorer scorer, params int[][] steps)
    {
        var scores = new float[scorer.Slots * scorer.ItemCount];
        foreach (var step in steps) scorer.Step(step, scores);
        return scores;
    }

    [TestMethod]
    public void WriteThenReadGivesIdenticalScores()
    {
        var model = Trained.Value;
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) SessionModelRegistry.Write(w, model);
        stream.Position = 0;
        using var loaded = (Gru4RecModel)SessionModelRegistry.Read(new BinaryReader(stream));
        Assert.AreEqual(model.Options.ToString(), loaded.Options.ToString());
        CollectionAssert.AreEqual(model.Items.Ids.ToArray(), loaded.Items.Ids.ToArray());
        int[][] steps = [[3, 7], [5, -1], [1, 2]];
        using var a = model.CreateScorer(2);
        using var b = loaded.CreateScorer(2);
        CollectionAssert.AreEqual(Scores(a, steps), Scores(b, steps));

        // Truncated data is refused clearly.
        var bytes = stream.ToArray();
        var e = Assert.ThrowsExactly<InvalidDataException>(() => SessionModelRegistry.Read(new BinaryReader(new MemoryStream(bytes[..(bytes.Length / 2)]))));
        StringAssert.Contains(e.Message, "truncated");
    }

    [TestMethod]
    public void IdleSlotsKeepTheirStateAndResetSlotsStartOver()
    {
        var model = Trained.Value;
        int n = model.Items.Count;
        using var together = model.CreateScorer(2);
        var s = Scores(together, [4, 9], [-1, 6], [8, 2]); // slot 0 idles in step 2
        using var alone0 = model.CreateScorer(1);
        using var alone1 = model.CreateScorer(1);
        var s0 = Scores(alone0, [4], [8]);
        var s1 = Scores(alone1, [9], [6], [2]);
        for (int i = 0; i < n; i++)
        {
            Assert.AreEqual(s0[i], s[i], 1e-5f);
            Assert.AreEqual(s1[i], s[n + i], 1e-5f);
        }
        together.ResetSlot(1);
        var afterReset = Scores(together, [-1, 9]);
        using var fresh = model.CreateScorer(1);
        var first = Scores(fresh, [9]);
        for (int i = 0; i < n; i++) Assert.AreEqual(first[i], afterReset[n + i], 1e-5f);
    }

    [TestMethod]
    public void TopKOnTheDeviceAgreesWithTheFullScores()
    {
        var model = Trained.Value;
        int n = model.Items.Count;
        const int k = 5;
        using var full = model.CreateScorer(3);
        using var top = model.CreateScorer(3);
        int[][] steps = [[1, 2, 3], [4, -1, 6]];
        var scores = Scores(full, steps);
        var items = new int[3 * k];
        var values = new float[3 * k];
        foreach (var step in steps) top.StepTopK(step, k, items, values);
        for (int slot = 0; slot < 3; slot++)
        {
            var expected = Enumerable.Range(0, n).OrderByDescending(i => scores[slot * n + i]).Take(k).ToArray();
            for (int j = 0; j < k; j++) Assert.AreEqual(scores[slot * n + expected[j]], values[slot * k + j], 1e-5f);
        }
        var (recItems, recScores) = model.RecommendTopK([[1, 4], [2], [3, 6], []], k);
        CollectionAssert.AreEqual(items.Take(k).ToArray(), recItems.Take(k).ToArray());
        CollectionAssert.AreEqual(values.Skip(2 * k).ToArray(), recScores.Skip(2 * k).Take(k).ToArray());
        Assert.IsTrue(recScores.Skip(3 * k).All(float.IsFinite), "an empty session gets the zero-state answer");
    }

    [TestMethod]
    public void GruStepFollowsTheOfficialEquationsAndGateOrder()
    {
        // Constrained embedding, one layer: x = Wy[item]; r, z, n gates in PyTorch GRUCell order; h' = (1−z)·n + z·h.
        using var model = Gru4RecTestData.TrainModel(Gru4RecTestData.Subset(100), Gru4RecTrainer.Options.Parse(Gru4RecTestData.SmallParams + ",layers=8"), seed: 2);
        var net = model.Network;
        float[] W(TorchSharp.torch.Tensor t) => t.detach().cpu().data<float>().ToArray();
        var wy = W(net.Wy);
        var by = W(net.By);
        var wih = W(net.Cells[0].weight_ih!);
        var whh = W(net.Cells[0].weight_hh!);
        var bih = W(net.Cells[0].bias_ih!);
        var bhh = W(net.Cells[0].bias_hh!);
        const int H = 8;
        var h = new double[H];
        foreach (int item in new[] { 3, 5 })
        {
            var x = wy.Skip(item * H).Take(H).Select(v => (double)v).ToArray();
            double Lin(float[] w, float[] b, double[] v, int row) { double s = b[row]; for (int c = 0; c < H; c++) s += w[row * H + c] * v[c]; return s; }
            var next = new double[H];
            for (int j = 0; j < H; j++)
            {
                double r = 1 / (1 + Math.Exp(-(Lin(wih, bih, x, j) + Lin(whh, bhh, h, j))));
                double z = 1 / (1 + Math.Exp(-(Lin(wih, bih, x, H + j) + Lin(whh, bhh, h, H + j))));
                double cand = Math.Tanh(Lin(wih, bih, x, 2 * H + j) + r * Lin(whh, bhh, h, 2 * H + j));
                next[j] = (1 - z) * cand + z * h[j];
            }
            h = next;
        }
        using var scorer = model.CreateScorer(1);
        var scores = Scores(scorer, [3], [5]);
        for (int i = 0; i < model.Items.Count; i += 7)
        {
            double expected = by[i];
            for (int c = 0; c < H; c++) expected += h[c] * wy[i * H + c];
            Assert.AreEqual(expected, scores[i], 1e-4, $"item {i}");
        }
    }

    [TestMethod]
    public void InitialisationIsGlorotPerGateBlockWithZeroBiases()
    {
        var options = Gru4RecTrainer.Options.Parse("layers=50,constrained_embedding=True");
        using var net = new Gru4RecNetwork(options, 400, TorchSharp.torch.CPU);
        var wih = net.Cells[0].weight_ih!.detach().data<float>().ToArray();
        double bound = Math.Sqrt(6.0 / (50 + 50));
        for (int g = 0; g < 3; g++)
        {
            var block = wih.Skip(g * 2500).Take(2500).ToArray();
            Assert.IsTrue(block.All(v => Math.Abs(v) <= bound), $"gate block {g} exceeds ±{bound}");
            Assert.IsTrue(block.Max() > 0.9 * bound && block.Min() < -0.9 * bound, $"gate block {g} does not span ±{bound}");
        }
        var wy = net.Wy.detach().data<float>().ToArray();
        double wyBound = Math.Sqrt(6.0 / (400 + 50));
        Assert.IsTrue(wy.All(v => Math.Abs(v) <= wyBound) && wy.Max() > 0.9 * wyBound);
        Assert.IsTrue(net.By.detach().data<float>().ToArray().All(v => v == 0));
        Assert.IsTrue(net.Cells[0].bias_ih!.detach().data<float>().ToArray().All(v => v == 0));
    }
}
