
namespace MLNet.SessionRec.Tests.Gru4Rec;

[TestClass]
public sealed class Gru4RecParametersTests
{
    [TestMethod]
    public void DefaultsAreThoseOfTheOfficialConstructor()
    {
        // GRU4Rec(layers=[100], loss='cross-entropy', batch_size=64, dropout_p_embed=0.0, dropout_p_hidden=0.0,
        // learning_rate=0.05, momentum=0.0, sample_alpha=0.5, n_sample=2048, embedding=0, constrained_embedding=True,
        // n_epochs=10, bpreg=1.0, elu_param=0.5, logq=0.0) in gru4rec_pytorch.py (commit d1fc311).
        var o = new Gru4RecTrainer.Options();
        Assert.AreEqual(Gru4RecLoss.CrossEntropy, o.Loss);
        CollectionAssert.AreEqual(new[] { 100 }, o.LayerSizes);
        Assert.AreEqual(64, o.BatchSize);
        Assert.AreEqual(0.0, o.DropoutProbabilityEmbedding);
        Assert.AreEqual(0.0, o.DropoutProbabilityHidden);
        Assert.AreEqual(0.05, o.LearningRate);
        Assert.AreEqual(0.0, o.Momentum);
        Assert.AreEqual(0.5, o.SampleAlpha);
        Assert.AreEqual(2048, o.NumberOfSamples);
        Assert.AreEqual(0, o.EmbeddingSize);
        Assert.IsTrue(o.ConstrainedEmbedding);
        Assert.AreEqual(10, o.NumberOfEpochs);
        Assert.AreEqual(1.0, o.BprMaxRegularization);
        Assert.AreEqual(0.5, o.EluAlpha);
        Assert.AreEqual(0.0, o.LogQ);
    }

    [TestMethod]
    public void ParsesTheOfficialRsc15ParameterStringAndFormatsItBack()
    {
        var o = Gru4RecTrainer.Options.Parse("loss=bpr-max,constrained_embedding=False,embedding=layersize,elu_param=0.5,layers=200/100,n_epochs=3,batch_size=32,dropout_p_embed=0.1,dropout_p_hidden=0.4,learning_rate=0.2,momentum=0.2,n_sample=2048,sample_alpha=0.5,bpreg=0.5,logq=1.0");
        Assert.AreEqual(Gru4RecLoss.BprMax, o.Loss);
        Assert.IsFalse(o.ConstrainedEmbedding);
        Assert.AreEqual(200, o.EmbeddingSize, "embedding=layersize means the first layer's size");
        CollectionAssert.AreEqual(new[] { 200, 100 }, o.LayerSizes);
        Assert.AreEqual(3, o.NumberOfEpochs);
        Assert.AreEqual(0.1, o.DropoutProbabilityEmbedding);
        Assert.AreEqual(0.2, o.LearningRate);
        var again = Gru4RecTrainer.Options.Parse(o.ToString());
        Assert.AreEqual(o.ToString(), again.ToString());
        foreach (var (name, loss) in new[] { ("cross-entropy", Gru4RecLoss.CrossEntropy), ("top1-max", Gru4RecLoss.Top1Max), ("top1", Gru4RecLoss.Top1), ("bpr", Gru4RecLoss.Bpr) })
            Assert.AreEqual(loss, Gru4RecParameters.ParseLoss(name));
    }

    [TestMethod]
    public void BadStringsAreRefusedWithTheParameterName()
    {
        var e = Assert.ThrowsExactly<FormatException>(() => Gru4RecTrainer.Options.Parse("loss=hinge"));
        StringAssert.Contains(e.Message, "loss");
        e = Assert.ThrowsExactly<FormatException>(() => Gru4RecTrainer.Options.Parse("batchsize=3"));
        StringAssert.Contains(e.Message, "batchsize");
        e = Assert.ThrowsExactly<FormatException>(() => Gru4RecTrainer.Options.Parse("n_sample=many"));
        StringAssert.Contains(e.Message, "n_sample");
        Assert.ThrowsExactly<FormatException>(() => Gru4RecTrainer.Options.Parse("constrained_embedding=maybe"));
    }

    [TestMethod]
    public void InvalidValuesThrowAndMeaninglessCombinationsWarn()
    {
        void Invalid(string p, string word)
        {
            var e = Assert.ThrowsExactly<ArgumentException>(() => Gru4RecTrainer.Options.Parse(p).Validate(), p);
            StringAssert.Contains(e.Message, word);
        }
        Invalid("n_sample=0,batch_size=1", "n_sample=0");
        Invalid("layers=", "layers");
        Invalid("layers=100/0", "layers");
        Invalid("dropout_p_hidden=1.0", "dropout_p_hidden");
        Invalid("dropout_p_embed=-0.1", "dropout_p_embed");
        Invalid("learning_rate=0", "learning_rate");
        Invalid("batch_size=0", "batch_size");
        Invalid("momentum=1.5", "momentum");

        var warnings = new List<string>();
        Gru4RecTrainer.Options.Parse("loss=cross-entropy,bpreg=0.5").Validate(warnings.Add);
        Assert.IsTrue(warnings.Any(w => w.Contains("bpreg")), string.Join("; ", warnings));
        warnings.Clear();
        Gru4RecTrainer.Options.Parse("loss=bpr-max,logq=1.0").Validate(warnings.Add);
        Assert.IsTrue(warnings.Any(w => w.Contains("logq")), string.Join("; ", warnings));
        warnings.Clear();
        Gru4RecTrainer.Options.Parse("loss=cross-entropy,logq=1.0,batch_size=32,n_sample=2048,dropout_p_hidden=0.4").Validate(warnings.Add);
        Assert.AreEqual(0, warnings.Count, string.Join("; ", warnings));
    }
}
