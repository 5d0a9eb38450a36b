using static TorchSharp.torch;

namespace MLNet.SessionRec.Tests.Gru4Rec;

[TestClass]
public sealed class AdagradMomentumTests
{
    private const double Lr = 0.2, Mu = 0.3, Eps = 1e-6;

    [TestMethod]
    public void SparseRowUpdatesMatchADenseReferenceOnTouchedRowsOnly()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(5);
        const int rows = 6, cols = 3;
        var p0 = Enumerable.Range(0, rows * cols).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var param = tensor(p0.Select(v => (float)v).ToArray()).reshape(rows, cols);
        var opt = new AdagradMomentum(Lr, Mu);
        // Reference state in double.
        var p = (double[])p0.Clone();
        var acc = new double[rows * cols];
        var vel = new double[rows * cols];
        int[][] steps = [[1, 3, 1, 4], [0, 1, 1, 5, 0]]; // duplicates in both steps; row 2 never touched
        foreach (var index in steps)
        {
            var g = Enumerable.Range(0, index.Length * cols).Select(_ => rng.NextDouble() - 0.5).ToArray();
            opt.SparseRows(param, tensor(index.Select(i => (long)i).ToArray()), tensor(g.Select(v => (float)v).ToArray()).reshape(index.Length, cols));
            var dense = new double[rows * cols];
            for (int k = 0; k < index.Length; k++) for (int c = 0; c < cols; c++) dense[index[k] * cols + c] += g[k * cols + c];
            foreach (int r in index.Distinct())
                for (int c = 0; c < cols; c++)
                {
                    int e = r * cols + c;
                    acc[e] += dense[e] * dense[e];
                    vel[e] = Mu * vel[e] - Lr * dense[e] / Math.Sqrt(acc[e] + Eps);
                    p[e] += vel[e];
                }
        }
        var actual = param.data<float>().ToArray();
        for (int e = 0; e < p.Length; e++) Assert.AreEqual(p[e], actual[e], 1e-5, $"element {e}");
        for (int c = 0; c < cols; c++) Assert.AreEqual((float)p0[2 * cols + c], actual[2 * cols + c], "untouched row changed");
    }

    [TestMethod]
    public void DenseUpdateIsAdagradWithEpsilonInsideTheRootPlusMomentum()
    {
        using var scope = NewDisposeScope();
        var param = tensor(new float[] { 1f, -2f });
        var opt = new AdagradMomentum(Lr, Mu);
        double[] p = [1, -2], acc = [0, 0], vel = [0, 0];
        double[][] grads = [[0.5, -1.0], [0.25, 2.0]];
        foreach (var g in grads)
        {
            opt.Dense(param, tensor(g.Select(v => (float)v).ToArray()));
            for (int i = 0; i < 2; i++) { acc[i] += g[i] * g[i]; vel[i] = Mu * vel[i] - Lr * g[i] / Math.Sqrt(acc[i] + Eps); p[i] += vel[i]; }
        }
        var actual = param.data<float>().ToArray();
        Assert.AreEqual(p[0], actual[0], 1e-5);
        Assert.AreEqual(p[1], actual[1], 1e-5);
        opt.Dispose();
    }
}
