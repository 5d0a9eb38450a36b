using MLNet.SessionRec.EvaluationApp.Parameters;

namespace MLNet.SessionRec.Tests.App;

/// <summary>GRU4Rec parameters: official RSC15 defaults, --params files in both formats, single options override.</summary>
[TestClass]
public sealed class ParameterTests
{
    [TestMethod]
    public void DefaultsAreTheOfficialRsc15Settings()
    {
        var p = new Gru4RecArguments();
        Assert.AreEqual("loss=cross-entropy,layers=100,batch_size=32,dropout_p_embed=0,dropout_p_hidden=0.4,learning_rate=0.2,momentum=0.2," +
            "sample_alpha=0.5,n_sample=2048,embedding=0,constrained_embedding=True,n_epochs=10,bpreg=0,elu_param=0,logq=1", p.ToString());
    }

    [TestMethod]
    public void EveryParameterReachesTheLibraryOptions()
    {
        var p = new Gru4RecArguments();
        foreach (var (name, value) in new[]
        {
            ("loss", "bpr-max"), ("constrained_embedding", "false"), ("embedding", "64"), ("elu_param", "0.75"),
            ("layers", "200,100"), ("n_epochs", "3"), ("batch_size", "80"), ("dropout_p_embed", "0.1"),
            ("dropout_p_hidden", "0.3"), ("learning_rate", "0.05"), ("momentum", "0.15"), ("n_sample", "512"),
            ("sample_alpha", "0.25"), ("bpreg", "0.5"), ("logq", "0.5"),
        }) p.Set(name, value, "test");
        var o = p.ToOptions();
        Assert.AreEqual(Gru4RecLoss.BprMax, o.Loss);
        Assert.IsFalse(o.ConstrainedEmbedding);
        Assert.AreEqual(64, o.EmbeddingSize);
        Assert.AreEqual(0.75, o.EluAlpha);
        CollectionAssert.AreEqual(new[] { 200, 100 }, o.LayerSizes);
        Assert.AreEqual(3, o.NumberOfEpochs);
        Assert.AreEqual(80, o.BatchSize);
        Assert.AreEqual(0.1, o.DropoutProbabilityEmbedding);
        Assert.AreEqual(0.3, o.DropoutProbabilityHidden);
        Assert.AreEqual(0.05, o.LearningRate);
        Assert.AreEqual(0.15, o.Momentum);
        Assert.AreEqual(512, o.NumberOfSamples);
        Assert.AreEqual(0.25, o.SampleAlpha);
        Assert.AreEqual(0.5, o.BprMaxRegularization);
        Assert.AreEqual(0.5, o.LogQ);
    }

    [TestMethod]
    public void ReadsTheOfficialPythonParamFileFormat()
    {
        using var dir = new AppRunner.TempDir();
        string file = dir.File("rsc15_bprmax.py");
        File.WriteAllText(file, "from collections import OrderedDict\ngru4rec_params = OrderedDict([('loss', 'bpr-max'), ('constrained_embedding', False), " +
            "('embedding', 64), ('elu_param', 0.5), ('layers', [200, 100]), ('n_epochs', 3), ('batch_size', 80), ('momentum', 0.1), ('bpreg', 0.5)])\n");
        var p = new Gru4RecArguments();
        ParameterFile.Apply(file, p);
        var o = p.ToOptions();
        Assert.AreEqual("bpr-max", p["loss"]);
        Assert.IsFalse(o.ConstrainedEmbedding);
        Assert.AreEqual(64, o.EmbeddingSize);
        CollectionAssert.AreEqual(new[] { 200, 100 }, o.LayerSizes);
        Assert.AreEqual(80, o.BatchSize);
        Assert.AreEqual(0.5, o.BprMaxRegularization);
        Assert.AreEqual(0.2, o.LearningRate, "parameters the file leaves out keep the app default");
    }

    [TestMethod]
    public void ReadsNameValueLinesAndOfficialParameterStrings()
    {
        using var dir = new AppRunner.TempDir();
        string file = dir.File("params.txt");
        File.WriteAllText(file, "# my run\nloss = top1-max\nlayers=200,200\nn_sample=64,sample_alpha=0.75,layers=100/50\n");
        var p = new Gru4RecArguments();
        ParameterFile.Apply(file, p);
        var o = p.ToOptions();
        Assert.AreEqual("top1-max", p["loss"]);
        CollectionAssert.AreEqual(new[] { 100, 50 }, o.LayerSizes);
        Assert.AreEqual(64, o.NumberOfSamples);
        Assert.AreEqual(0.75, o.SampleAlpha);
    }

    [TestMethod]
    public void KebabCaseOptionsOverrideTheParamsFileAndBadValuesNameTheParameter()
    {
        using var dir = new AppRunner.TempDir();
        string file = dir.File("params.txt");
        File.WriteAllText(file, "n_epochs=7\nbatch_size=16\n");
        var p = new Gru4RecArguments();
        ParameterFile.Apply(file, p);
        p.Set("batch-size", "64", "--batch-size");
        Assert.AreEqual(7, p.ToOptions().NumberOfEpochs);
        Assert.AreEqual(64, p.ToOptions().BatchSize);
        var e = Assert.ThrowsExactly<MLNet.SessionRec.EvaluationApp.UsageException>(() => p.Set("dropout_p_hidden", "lots", "--dropout-p-hidden"));
        StringAssert.Contains(e.Message, "dropout_p_hidden");
        e = Assert.ThrowsExactly<MLNet.SessionRec.EvaluationApp.UsageException>(() => p.Set("dropout_p_hidden", "1.5", "--dropout-p-hidden"));
        StringAssert.Contains(e.Message, "dropout_p_hidden must be in [0, 1) (got 1.5)");
        e = Assert.ThrowsExactly<MLNet.SessionRec.EvaluationApp.UsageException>(() => p.Set("batchsize", "3", "x.txt:2"));
        StringAssert.Contains(e.Message, "x.txt:2: unknown GRU4Rec parameter 'batchsize'");
    }
}
