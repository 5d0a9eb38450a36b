using MLNet.SessionRec.Gru4Rec;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Tests.Gru4Rec;

/// <summary>The training thread count chosen from the model and batch size when NumberOfThreads is not set.</summary>
[TestClass]
public sealed class Gru4RecThreadsTests
{
    private const string OfficialRsc15 = "loss=cross-entropy,constrained_embedding=True,embedding=0,layers=100,batch_size=32,n_sample=2048";
    private const string BprMax512 = "loss=bpr-max,constrained_embedding=True,embedding=0,layers=512,batch_size=144,n_sample=2048";

    [TestMethod]
    public void Small_steps_train_on_one_thread_and_large_ones_on_every_core()
    {
        Assert.AreEqual(1, Gru4RecTrainingLoop.AutomaticThreads(Gru4RecTrainer.Options.Parse(OfficialRsc15), cores: 2), "official RSC15: 7.6M multiply-adds per step");
        Assert.AreEqual(2, Gru4RecTrainingLoop.AutomaticThreads(Gru4RecTrainer.Options.Parse(BprMax512), cores: 2), "512-unit bpr-max, batch 144: 275M per step");
        Assert.AreEqual(16, Gru4RecTrainingLoop.AutomaticThreads(Gru4RecTrainer.Options.Parse(BprMax512), cores: 16));
        // The boundary: 2^25 multiply-adds = 64 × 128 × (3 × 128 + 64 + 3,648) decides.
        var options = Gru4RecTrainer.Options.Parse("layers=128,batch_size=64,n_sample=3648");
        Assert.AreEqual(2, Gru4RecTrainingLoop.AutomaticThreads(options, cores: 2));
        options.NumberOfSamples = 3647;
        Assert.AreEqual(1, Gru4RecTrainingLoop.AutomaticThreads(options, cores: 2));
    }

    [TestMethod]
    public void Training_runs_on_the_chosen_count_and_restores_torchs_setting()
    {
        if (Environment.ProcessorCount < 2) Assert.Inconclusive("one core: every rule gives one thread");
        int before = get_num_threads();
        var seen = new List<int>();
        foreach (var (parameters, expected) in new[] { (OfficialRsc15, 1), (BprMax512, Environment.ProcessorCount) })
        {
            var options = Gru4RecTrainer.Options.Parse(parameters + ",n_epochs=1");
            options.OnEpoch = _ => seen.Add(get_num_threads());
            using var model = Gru4RecTestData.TrainModel(Gru4RecTestData.Subset(400), options, seed: 1);
            Assert.AreEqual(expected, seen[^1], $"{parameters}: threads during training");
            Assert.AreEqual(before, get_num_threads(), "torch's setting is restored after training");
        }
    }
}
