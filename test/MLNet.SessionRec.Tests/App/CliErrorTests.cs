namespace MLNet.SessionRec.Tests.App;

/// <summary>Bad input ends as one clear stderr line and a non-zero exit code, never a stack trace.</summary>
[TestClass]
public sealed class CliErrorTests
{
    [TestMethod]
    public void UnknownOptionIsAUsageError()
    {
        var r = AppRunner.Run("evaluate", "--no-such-option", "1");
        r.AssertOneLineError("--no-such-option");
        Assert.AreEqual(2, r.ExitCode);
    }

    [TestMethod]
    public void MissingTrainingFileIsNamed()
    {
        var r = AppRunner.Run("evaluate", "--train", "/no/such/train.txt", "--test", TestData.Rsc15("test"), "--models", "pop");
        r.AssertOneLineError("/no/such/train.txt");
    }

    [TestMethod]
    public void WrongColumnsAreNamed()
    {
        using var dir = new AppRunner.TempDir();
        string bad = dir.File("bad.tsv");
        File.WriteAllText(bad, "session\titem\ttimestamp\n1\t2\t3\n1\t3\t4\n");
        var r = AppRunner.Run("evaluate", "--train", bad, "--test", TestData.Rsc15("test"), "--models", "pop");
        r.AssertOneLineError("SessionId");
        Assert.Contains("bad.tsv", r.Err);
    }

    [TestMethod]
    public void UnparsableTimeNamesFileAndLine()
    {
        using var dir = new AppRunner.TempDir();
        string bad = dir.File("badtime.tsv");
        File.WriteAllText(bad, "SessionId\tItemId\tTime\n1\t2\t3\n1\t3\tyesterday\n");
        var r = AppRunner.Run("evaluate", "--train", bad, "--test", TestData.Rsc15("test"), "--models", "pop");
        r.AssertOneLineError("badtime.tsv:3");
    }

    [TestMethod]
    public void UnknownModelNameListsTheKnownOnes()
    {
        var r = AppRunner.Run("evaluate", "--models", "pop,gru5rec");
        r.AssertOneLineError("gru5rec");
        Assert.Contains("itemknn", r.Err);
    }

    [TestMethod]
    public void BadParameterValuesAreRefused()
    {
        AppRunner.Run("evaluate", "--models", "pop", "--cutoffs", "5,x").AssertOneLineError("--cutoffs");
        AppRunner.Run("evaluate", "--models", "pop", "--ties", "optimistic").AssertOneLineError("optimistic");
        AppRunner.Run("evaluate", "--models", "pop", "--loss", "hinge").AssertOneLineError("loss");
        AppRunner.Run("evaluate", "--models", "pop", "--layers", "100,zero").AssertOneLineError("layers");
        AppRunner.Run("evaluate", "--models", "pop", "--device", "tpu").AssertOneLineError("tpu");
        AppRunner.Run("evaluate", "--models", "pop", "--train", TestData.Rsc15("train_full")).AssertOneLineError("--test");
    }

    [TestMethod]
    public void UnknownParameterInParamsFileIsNamedWithItsLine()
    {
        using var dir = new AppRunner.TempDir();
        string file = dir.File("params.txt");
        File.WriteAllText(file, "loss=bpr-max\n# comment\nlearning_rat=0.1\n");
        var r = AppRunner.Run("evaluate", "--models", "pop", "--params", file);
        r.AssertOneLineError("learning_rat");
        Assert.Contains("params.txt:3", r.Err);
    }

    [TestMethod]
    public void ModelZipThatDoesNotLoadIsAUserError()
    {
        using var dir = new AppRunner.TempDir();
        string zip = dir.File("model.zip");
        File.WriteAllBytes(zip, [0x50, 0x4B, 0x03, 0x04, 1, 2, 3, 4, 5]);
        var r = AppRunner.Run("recommend", "--model", zip, "--input", TestData.Rsc15("test"));
        r.AssertOneLineError("model.zip");
        AppRunner.Run("recommend", "--model", dir.File("missing.zip"), "--input", "-").AssertOneLineError("missing.zip");
    }

    [TestMethod]
    public void PlotWithoutGru4RecIsRefusedBeforeAnyWork()
    {
        using var dir = new AppRunner.TempDir();
        var r = AppRunner.Run("evaluate", "--models", "pop,sr", "--plot", dir.File("curves.png"));
        r.AssertOneLineError("--plot");
        Assert.AreEqual("", r.Out, "nothing is trained before the refusal");
    }

    [TestMethod]
    public void InvalidGru4RecSettingNamesTheOfficialParameterOnly()
    {
        var r = AppRunner.Run("evaluate", "--models", "gru4rec", "--batch-size", "0", "--quiet");
        r.AssertOneLineError("batch_size");
        Assert.DoesNotContain("(Parameter", r.Err, "the C# property name means nothing to the user");
    }

    [TestMethod]
    public void MissingRequiredOptionIsAUsageError()
    {
        var r = AppRunner.Run("split", "--input", TestData.Rsc15("test"), "--output", "/tmp/x");
        r.AssertOneLineError("--days");
        Assert.AreEqual(2, r.ExitCode);
    }
}
