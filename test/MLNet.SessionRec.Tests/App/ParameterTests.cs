using MLNet.SessionRec.EvaluationApp.Parameters;

namespace MLNet.SessionRec.Tests.App;

/// <summary>GRU4Rec parameters: official RSC15 defaults, --params files in both formats, single options override.</summary>
[TestClass]
public sealed class ParameterTests
{
    [TestMethod]
    public void DefaultsAreTheOfficialRsc15Settings()
    {
        var p = new Gru4RecParameters();
        Assert.AreEqual("loss=cross-entropy,constrained_embedding=true,embedding=0,elu_param=0,layers=100,n_epochs=10,batch_size=32," +
            "dropout_p_embed=0,dropout_p_hidden=0.4,learning_rate=0.2,momentum=0.2,n_sample=2048,sample_alpha=0.5,bpreg=0,logq=1", p.ToString());
    }

    [TestMethod]
    public void EveryParameterReachesTheLibraryOptions()
    {
        var p = new Gru4RecParameters();
        foreach (var (name, value) in new[]
        {
            ("loss", "bpr-max"), ("constrained_embedding", "false"), ("embedding", "64"), ("elu_param", "0.75"),
            ("layers", "200,100"), ("n_epochs", "3"), ("batch_size", "80"), ("dropout_p_embed", "0.1"),
            ("dropout_p_hidden", "0.3"), ("learning_rate", "0.05"), ("momentum", "0.15"), ("n_sample", "512"),
            ("sample_alpha", "0.25"), ("bpreg", "0.5"), ("logq", "0.5"),
        }) p.Set(name, value, "test");
        var o = MLNet.SessionRec.EvaluationApp.Adapters.Gru4RecAdapter.ToOptions(p);
        Assert.AreEqual(MLNet.SessionRec.Training.Gru4RecLoss.BprMax, o.Loss);
        Assert.IsFalse(o.ConstrainedEmbedding);
        Assert.AreEqual(64, o.Embedding);
        Assert.AreEqual(0.75, o.EluParam);
        CollectionAssert.AreEqual(new[] { 200, 100 }, o.Layers);
        Assert.AreEqual(3, o.NEpochs);
        Assert.AreEqual(80, o.BatchSize);
        Assert.AreEqual(0.1, o.DropoutPEmbed);
        Assert.AreEqual(0.3, o.DropoutPHidden);
        Assert.AreEqual(0.05, o.LearningRate);
        Assert.AreEqual(0.15, o.Momentum);
        Assert.AreEqual(512, o.NSample);
        Assert.AreEqual(0.25, o.SampleAlpha);
        Assert.AreEqual(0.5, o.Bpreg);
        Assert.AreEqual(0.5, o.Logq);
    }

    [TestMethod]
    public void ReadsTheOfficialPythonParamFileFormat()
    {
        using var dir = new AppRunner.TempDir();
        string file = dir.File("rsc15_bprmax.py");
        File.WriteAllText(file, "from collections import OrderedDict\ngru4rec_params = OrderedDict([('loss', 'bpr-max'), ('constrained_embedding', False), " +
            "('embedding', 64), ('elu_param', 0.5), ('layers', [200, 100]), ('n_epochs', 3), ('batch_size', 80), ('momentum', 0.1), ('bpreg', 0.5)])\n");
        var p = new Gru4RecParameters();
        ParameterFile.Apply(file, p);
        Assert.AreEqual("bpr-max", p["loss"]);
        Assert.IsFalse(p.GetBool("constrained_embedding"));
        Assert.AreEqual(64, p.GetInt("embedding"));
        CollectionAssert.AreEqual(new[] { 200, 100 }, p.GetIntList("layers"));
        Assert.AreEqual(80, p.GetInt("batch_size"));
        Assert.AreEqual(0.5, p.GetReal("bpreg"));
        Assert.AreEqual(0.2, p.GetReal("learning_rate"), "parameters the file leaves out keep the app default");
    }

    [TestMethod]
    public void ReadsNameValueLinesAndOfficialParameterStrings()
    {
        using var dir = new AppRunner.TempDir();
        string file = dir.File("params.txt");
        File.WriteAllText(file, "# my run\nloss = top1-max\nlayers=200,200\nn_sample=64,sample_alpha=0.75,layers=100/50\n");
        var p = new Gru4RecParameters();
        ParameterFile.Apply(file, p);
        Assert.AreEqual("top1-max", p["loss"]);
        CollectionAssert.AreEqual(new[] { 100, 50 }, p.GetIntList("layers"));
        Assert.AreEqual(64, p.GetInt("n_sample"));
        Assert.AreEqual(0.75, p.GetReal("sample_alpha"));
    }

    [TestMethod]
    public void KebabCaseOptionsOverrideTheParamsFile()
    {
        using var dir = new AppRunner.TempDir();
        string file = dir.File("params.txt");
        File.WriteAllText(file, "n_epochs=7\nbatch_size=16\n");
        var p = new Gru4RecParameters();
        ParameterFile.Apply(file, p);
        p.Set("batch-size", "64", "--batch-size");
        Assert.AreEqual(7, p.GetInt("n_epochs"));
        Assert.AreEqual(64, p.GetInt("batch_size"));
        Assert.ThrowsExactly<MLNet.SessionRec.EvaluationApp.UsageException>(() => p.Set("dropout_p_hidden", "lots", "--dropout-p-hidden"));
    }
}
