using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLNet.SessionRec.EvaluationApp;
using MLNet.SessionRec.Tests.App;

namespace MLNet.SessionRec.Tests.Gru4Rec;

/// <summary>
/// A run that blows up is a warning (finite but exploding loss) or a clear error (non-finite loss), never a crash and
/// never a silently bad model; n_epochs=0 is refused.
/// </summary>
[TestClass]
public sealed class Gru4RecDivergenceTests
{
    // Real rsc15-100k sessions, a small network: an epoch of the subset takes well under a second.
    private const string Small = "loss=cross-entropy,layers=16,batch_size=32,n_sample=64,dropout_p_hidden=0.2,momentum=0.2,logq=1.0,n_epochs=2";

    private static List<string> Warnings(MLContext ml)
    {
        var warnings = new List<string>();
        ml.Log += (_, e) => { if (e.Kind == ChannelMessageKind.Warning) lock (warnings) warnings.Add(e.RawMessage); };
        return warnings;
    }

    [TestMethod]
    public void AnExplodingLossIsAWarningThroughTheMLContextLog()
    {
        var data = Gru4RecTestData.Subset(1500);
        var ml = new MLContext(1);
        var warnings = Warnings(ml);
        var reports = new List<Gru4RecEpochReport>();
        using var model = Gru4RecTestData.TrainModel(data, Gru4RecTrainer.Options.Parse(Small + ",learning_rate=1e6"), onEpoch: reports.Add, mlContext: ml);
        var blowUps = warnings.Where(w => w.Contains("blowing up", StringComparison.Ordinal)).ToList();
        Assert.HasCount(2, blowUps, string.Join("\n", warnings)); // one per epoch
        StringAssert.Contains(blowUps[0], "GRU4Rec epoch 1:");
        StringAssert.Contains(blowUps[0], "learning_rate (LearningRate, here 1000000)");
        Assert.IsTrue(reports.All(r => double.IsFinite(r.Loss) && r.Loss > 10), string.Join(", ", reports.Select(r => r.Loss)));

        // The same data with the usual learning rate learns: no warning.
        var normal = new MLContext(1);
        var none = Warnings(normal);
        using var good = Gru4RecTestData.TrainModel(data, Gru4RecTrainer.Options.Parse(Small + ",learning_rate=0.1"), mlContext: normal);
        Assert.IsFalse(none.Any(w => w.Contains("blowing up", StringComparison.Ordinal)), string.Join("\n", none));
    }

    [TestMethod]
    public void ANonFiniteLossStopsTrainingWithTheEpochTheStepAndTheCause()
    {
        // The largest learning rate float32 holds: the weights overflow within a few mini-batches.
        var options = Gru4RecTrainer.Options.Parse(Small + ",loss=bpr-max,bpreg=0.5,elu_param=0.5,learning_rate=3e38");
        var e = Assert.ThrowsExactly<Gru4RecTrainingDivergedException>(() => Gru4RecTestData.TrainModel(Gru4RecTestData.Subset(1500), options, seed: 1));
        Assert.AreEqual(1, e.Epoch, e.Message);
        // Found at the first check after it happened: the first mini-batch's or the 64th.
        Assert.IsTrue(e.Step is 1 or Gru4RecTrainingLoop.DivergenceCheckInterval, e.Message);
        StringAssert.Contains(e.Message, $"epoch 1 by mini-batch {e.Step} (checked every 64)");
        StringAssert.Contains(e.Message, "learning_rate (LearningRate, here 3E+38)");
        StringAssert.Contains(e.Message, "bpreg (BprMaxRegularization, here 0.5) or elu_param (EluAlpha, here 0.5)");
        Assert.IsFalse(e.Message.Contains('\n'), e.Message);
    }

    [TestMethod]
    public void ANonFiniteWeightTheLossNeverSeesIsFoundAtTheEndOfTheEpoch()
    {
        var data = Gru4RecTestData.Subset(200);
        var options = Gru4RecTrainer.Options.Parse(Gru4RecTestData.SmallParams + ",n_sample=0");
        // One item row more than the data has: no mini-batch scores it, so the loss stays finite.
        using var net = new Gru4RecNetwork(options, data.Items.Count + 1, TorchSharp.torch.CPU);
        using (TorchSharp.torch.no_grad()) net.Wy[data.Items.Count].fill_(float.NaN);
        using var loop = new Gru4RecTrainingLoop(net, data, new Random(1));
        var e = Assert.ThrowsExactly<Gru4RecTrainingDivergedException>(() => loop.Epoch(data, 1, null));
        StringAssert.Contains(e.Message, "the weight Wy became non-finite in epoch 1 (found at its end");
    }

    [TestMethod]
    public void ALearningRateOf1e30IsAOneLineErrorOfTheAppAndNoModelIsWritten()
    {
        using var temp = new AppRunner.TempDir();
        string model = temp.File("model.zip");
        var result = AppRunner.Run("train", "--train", TestData.Rsc15("train_full"), "-o", model, "-q", "--seed", "1",
            "--layers", "16", "--batch-size", "32", "--n-sample", "64", "--n-epochs", "1", "--learning-rate", "1e30");
        result.AssertOneLineError("GRU4Rec training diverged: the loss became");
        Assert.AreEqual(Cli.UserErrorExitCode, result.ExitCode);
        StringAssert.Contains(result.Err, "in epoch 1 by mini-batch ");
        StringAssert.Contains(result.Err, "learning_rate (LearningRate, here 1E+30)");
        Assert.IsFalse(File.Exists(model), "no model is written");
        Assert.IsEmpty(Directory.GetFiles(temp.Path), "nothing is left behind");
    }

    [TestMethod]
    public void ZeroEpochsAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => Gru4RecTrainer.Options.Parse("n_epochs=0").Validate());
        StringAssert.Contains(e.Message, "n_epochs must be positive (got 0)");
        using var temp = new AppRunner.TempDir();
        AppRunner.Run("train", "--train", TestData.Rsc15("train_full"), "-o", temp.File("m.zip"), "--n-epochs", "0")
            .AssertOneLineError("--n-epochs: n_epochs must be positive (got 0).");
        Assert.IsFalse(File.Exists(temp.File("m.zip")));
    }

    [TestMethod]
    public void ARealParameterBeyondFloat32IsRefusedBeforeTraining()
    {
        var e = Assert.Throws<ArgumentException>(() => Gru4RecTrainer.Options.Parse("loss=bpr-max,elu_param=1e308").Validate());
        StringAssert.Contains(e.Message, "elu_param must be at most 3.4028235E+38");
    }
}
