using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Tests;

[TestClass]
public sealed class TorchLoadTests
{
    [TestMethod]
    public void TorchSharpLoadsAndComputesGradients()
    {
        using var scope = NewDisposeScope();
        var w = tensor(new float[] { 1f, 2f, 3f }, requires_grad: true);
        var x = tensor(new float[] { 4f, 5f, 6f });
        var y = (w * x).sum() * 2;
        y.backward();
        Assert.AreEqual(64f, y.item<float>(), 1e-5f);
        CollectionAssert.AreEqual(new[] { 8f, 10f, 12f }, w.grad!.data<float>().ToArray());
    }
}
