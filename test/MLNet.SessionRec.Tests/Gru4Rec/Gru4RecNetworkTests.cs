using static TorchSharp.torch;

namespace MLNet.SessionRec.Tests.Gru4Rec;

[TestClass]
public sealed class Gru4RecNetworkTests
{
    /// <summary>
    /// Training scores only the mini-batch's columns (B targets + shared samples) from gathered rows, and they equal the
    /// evaluation scores of all items at those columns minus the per-column offset (the logQ correction).
    /// </summary>
    [TestMethod]
    public void TrainingScoresAreTheBatchColumnsOfTheFullScores()
    {
        using var scope = NewDisposeScope();
        var options = Gru4RecTrainer.Options.Parse("layers=6,batch_size=3,n_sample=4,dropout_p_hidden=0,dropout_p_embed=0");
        using var net = new Gru4RecNetwork(options, 20, CPU, new Generator(1, CPU));
        using (no_grad()) net.By.copy_(arange(20, dtype: ScalarType.Float32) / 10); // non-zero biases
        long[] x = [2, 5, 7];
        long[] y = [5, 9, 2, 11, 11, 0, 19]; // targets then samples (a duplicate sample and an input item among them)
        var xt = tensor(x);
        var yt = tensor(y);
        var xy = cat([xt, yt], 0);
        var offset = arange(7, dtype: ScalarType.Float32) * 0.25f;
        var state = net.ZeroState(3);
        var next = new Tensor[1];
        var gathered = new List<GatheredRows>();
        var train = net.TrainForward(xt, yt, xy, state, next, offset, gathered, null);
        CollectionAssert.AreEqual(new long[] { 3, 7 }, train.shape);
        Assert.AreEqual(10L, gathered.Single(g => ReferenceEquals(g.Parameter, net.Wy)).Rows.shape[0], "Wy rows gathered: inputs + columns only");
        Assert.AreEqual(7L, gathered.Single(g => ReferenceEquals(g.Parameter, net.By)).Rows.shape[0]);

        var evalState = net.ZeroState(3);
        Tensor full;
        using (no_grad()) full = net.ScoreAll(net.EvalStep(xt, evalState));
        var expected = full.index_select(1, yt) - offset;
        Assert.IsTrue(allclose(train.detach(), expected, rtol: 1e-5, atol: 1e-5), "training scores differ from the gathered full scores");
        Assert.IsTrue(allclose(next[0].detach(), evalState[0], rtol: 1e-5, atol: 1e-6), "the carried hidden state differs");
    }

    [TestMethod]
    public void HiddenDropoutIsCarriedAsTheNextStateAndScaledByOneOverKeep()
    {
        using var scope = NewDisposeScope();
        var options = Gru4RecTrainer.Options.Parse("layers=200,batch_size=2,n_sample=1,dropout_p_hidden=0.25"); // asymmetric p: a swapped keep/drop probability shows
        using var net = new Gru4RecNetwork(options, 10, CPU, new Generator(3, CPU));
        var xt = tensor(new long[] { 1, 2 });
        var yt = tensor(new long[] { 3, 4, 5 });
        var next = new Tensor[1];
        net.TrainForward(xt, yt, cat([xt, yt], 0), net.ZeroState(2), next, null, new List<GatheredRows>(), new Generator(4, CPU));
        Tensor clean;
        using (no_grad()) clean = net.EvalStep(xt, net.ZeroState(2));
        var carried = next[0].detach();
        var zero = carried.eq(0);
        double dropped = zero.to(ScalarType.Float32).mean().item<float>();
        Assert.IsTrue(dropped > 0.17 && dropped < 0.33, $"dropped fraction {dropped}");
        var kept = carried.masked_select(zero.logical_not());
        var cleanKept = clean.masked_select(zero.logical_not());
        Assert.IsTrue(allclose(kept, cleanKept / 0.75, rtol: 1e-5, atol: 1e-6), "kept units are not scaled by 1/(1-p)");
    }
}
