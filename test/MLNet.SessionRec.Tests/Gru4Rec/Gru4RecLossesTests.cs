using static TorchSharp.torch;

namespace MLNet.SessionRec.Tests.Gru4Rec;

/// <summary>Each loss against the formula evaluated by hand in double arithmetic on a 2 × 4 score matrix.</summary>
[TestClass]
public sealed class Gru4RecLossesTests
{
    // Rows: mini-batch slots; columns: [target of row 0, target of row 1, sample, sample]; positives on the diagonal.
    private static readonly double[,] R = { { 1.5, -0.3, 0.2, 2.0 }, { 0.4, 0.9, -1.2, 0.1 } };

    private static Tensor Scores() => tensor(new float[] { 1.5f, -0.3f, 0.2f, 2.0f, 0.4f, 0.9f, -1.2f, 0.1f }).reshape(2, 4);
    private static Tensor Mask() => eye(2, 4, dtype: ScalarType.Bool);
    private static double Sig(double x) => 1 / (1 + Math.Exp(-x));
    private static double Elu(double x, double a) => x > 0 ? x : a * (Math.Exp(x) - 1);

    /// <summary>softmax over the row's negatives (the diagonal excluded).</summary>
    private static double[] SoftmaxNeg(double[,] r, int i)
    {
        var s = new double[4];
        double z = 0;
        for (int j = 0; j < 4; j++) if (j != i) { s[j] = Math.Exp(r[i, j]); z += s[j]; }
        for (int j = 0; j < 4; j++) s[j] /= z;
        return s;
    }

    [TestMethod]
    public void CrossEntropyIsMinusLogSoftmaxOfTheDiagonal()
    {
        using var scope = NewDisposeScope();
        double expected = 0;
        for (int i = 0; i < 2; i++)
        {
            double z = 0;
            for (int j = 0; j < 4; j++) z += Math.Exp(R[i, j]);
            expected += -Math.Log(Math.Exp(R[i, i]) / z + 1e-24);
        }
        double actual = Gru4RecLosses.CrossEntropy(Scores()).item<float>();
        Assert.AreEqual(expected, actual, 1e-5);
    }

    [TestMethod]
    public void CrossEntropyOfAHopelessRowIsCappedByTheEpsilonAsInTheOfficialCode()
    {
        using var scope = NewDisposeScope();
        // Target 80 nats below a negative: p = e^-80 < 1e-24, so the row costs −log(1e-24 + e^-80) ≈ 55.26 and passes no gradient.
        var x = tensor(new float[] { -80f, 0f }).reshape(1, 2).requires_grad_(true);
        var loss = Gru4RecLosses.CrossEntropy(x);
        Assert.AreEqual(-Math.Log(1e-24 + Math.Exp(-80)), loss.item<float>(), 1e-3);
        loss.backward();
        Assert.IsTrue(Math.Abs(x.grad!.data<float>()[0, 0]) < 1e-6);
    }

    [TestMethod]
    public void BprMaxWithEluAndRegularisation()
    {
        using var scope = NewDisposeScope();
        const double bpreg = 0.5, alpha = 0.5;
        var r = new double[2, 4];
        for (int i = 0; i < 2; i++) for (int j = 0; j < 4; j++) r[i, j] = Elu(R[i, j], alpha);
        double expected = 0;
        for (int i = 0; i < 2; i++)
        {
            var s = SoftmaxNeg(r, i);
            double rank = 0, reg = 0;
            for (int j = 0; j < 4; j++) { rank += s[j] * Sig(r[i, i] - r[i, j]); reg += s[j] * r[i, j] * r[i, j]; }
            expected += -Math.Log(rank + 1e-24) + bpreg * reg;
        }
        double actual = Gru4RecLosses.BprMax(Scores(), Mask(), bpreg, alpha).item<float>();
        Assert.AreEqual(expected, actual, 1e-5);
        // Without ELU and regularisation the same code must give the plain bpr-max.
        double plain = 0;
        for (int i = 0; i < 2; i++)
        {
            var s = SoftmaxNeg(R, i);
            double rank = 0;
            for (int j = 0; j < 4; j++) rank += s[j] * Sig(R[i, i] - R[i, j]);
            plain += -Math.Log(rank + 1e-24);
        }
        Assert.AreEqual(plain, Gru4RecLosses.BprMax(Scores(), Mask(), 0, 0).item<float>(), 1e-5);
    }

    [TestMethod]
    public void BprMaxGradientsFlowThroughTheSoftmaxWeights()
    {
        using var scope = NewDisposeScope();
        var x = Scores().requires_grad_(true);
        Gru4RecLosses.BprMax(x, Mask(), 0.0, 0.0).backward();
        // Finite difference on one negative score: the softmax weights depend on it, so the gradient must include that path.
        double F(double delta)
        {
            var r = (double[,])R.Clone();
            r[0, 3] += delta;
            var s = SoftmaxNeg(r, 0);
            double rank = 0;
            for (int j = 0; j < 4; j++) rank += s[j] * Sig(r[0, 0] - r[0, j]);
            return -Math.Log(rank + 1e-24);
        }
        double numeric = (F(1e-5) - F(-1e-5)) / 2e-5;
        Assert.AreEqual(numeric, x.grad!.data<float>()[0, 3], 1e-3);
    }

    [TestMethod]
    public void Top1MaxTop1AndBprAsInTheano()
    {
        using var scope = NewDisposeScope();
        double top1max = 0, top1 = 0, bpr = 0;
        for (int i = 0; i < 2; i++)
        {
            var s = SoftmaxNeg(R, i);
            double mean = 0;
            for (int j = 0; j < 4; j++)
            {
                double term = Sig(R[i, j] - R[i, i]) + Sig(R[i, j] * R[i, j]);
                top1max += s[j] * term;
                mean += term / 4;
                bpr += -Math.Log(Sig(R[i, i] - R[i, j]));
            }
            top1 += mean - Sig(R[i, i] * R[i, i]) / 4;
        }
        Assert.AreEqual(top1max, Gru4RecLosses.Top1Max(Scores(), Mask()).item<float>(), 1e-5);
        Assert.AreEqual(top1, Gru4RecLosses.Top1(Scores()).item<float>(), 1e-5);
        Assert.AreEqual(bpr, Gru4RecLosses.Bpr(Scores()).item<float>(), 1e-5);
    }
}
