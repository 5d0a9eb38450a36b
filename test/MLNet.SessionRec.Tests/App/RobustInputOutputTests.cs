using Microsoft.VisualBasic.FileIO;

namespace MLNet.SessionRec.Tests.App;

/// <summary>
/// The app's files as a hostile or unlucky user gives them (issue 10): outputs that are inputs or cannot be written are
/// refused before any work, directories and endless binary input are one-line errors, a BOM on stdin works, ids with
/// the list separator are quoted, control characters are escaped in messages, and <c>split</c> refuses meaningless
/// <c>--days</c>.
/// </summary>
[TestClass]
public sealed class RobustInputOutputTests
{
    private static string Train => TestData.Rsc15("train_full");
    private static string Test => TestData.Rsc15("test");

    [TestMethod]
    public void An_output_that_is_an_input_is_refused_and_the_input_is_untouched()
    {
        using var dir = new AppRunner.TempDir();
        string train = dir.File("train.tsv");
        File.Copy(Train, train);
        byte[] before = File.ReadAllBytes(train);
        string link = dir.File("link.tsv");
        File.CreateSymbolicLink(link, train);

        AppRunner.Run("train", "-q", "--models", "pop", "--train", train, "-o", train).AssertOneLineError("is the same file as --train");
        AppRunner.Run("train", "-q", "--models", "pop", "--train", train, "-o", link).AssertOneLineError("refusing to overwrite an input");
        AppRunner.Run("evaluate", "-q", "--models", "pop", "--train", train, "--test", Test, "--report-json", Test)
            .AssertOneLineError("--report-json");
        AppRunner.Run("evaluate", "-q", "--models", "pop", "--train", train, "--test", Test, "--report-markdown", Path.Combine(dir.Path, ".", "train.tsv"))
            .AssertOneLineError("is the same file as --train");
        var both = AppRunner.Run("evaluate", "-q", "--models", "pop", "--train", train, "--test", Test,
            "--report-json", dir.File("r.out"), "--report-markdown", dir.File("r.out"));
        both.AssertOneLineError("--report-markdown");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(train), "the input was changed");
        Assert.IsFalse(File.Exists(dir.File("r.out")));

        // split and preprocess: an output path that is the input (here through a link named like the output).
        string splitDir = Path.Combine(dir.Path, "split");
        Directory.CreateDirectory(splitDir);
        File.CreateSymbolicLink(Path.Combine(splitDir, "events_test.txt"), train);
        string events = Path.Combine(dir.Path, "events.txt");
        File.CreateSymbolicLink(events, train);
        AppRunner.Run("split", "--input", events, "--days", "1", "--output", splitDir).AssertOneLineError("is the same file as --input");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(train));
    }

    [TestMethod]
    public void An_unwritable_output_fails_before_any_training()
    {
        using var dir = new AppRunner.TempDir();
        // A directory as --report-json, and a file in a folder nobody can create files in (as root, too: /proc).
        var r = AppRunner.Run("evaluate", "-q", "--models", "sr", "--train", Train, "--test", Test, "--report-json", dir.Path);
        r.AssertOneLineError($"--report-json: {dir.Path} is a directory, not a file");
        Assert.AreEqual("", r.Out, "nothing was trained or evaluated");
        if (OperatingSystem.IsLinux())
        {
            r = AppRunner.Run("train", "-q", "--models", "sr", "--train", Train, "-o", "/proc/sessionrec-model.zip");
            r.AssertOneLineError("--output: /proc/sessionrec-model.zip: cannot write in /proc");
            r = AppRunner.Run("evaluate", "-q", "--models", "gru4rec", "--train", Train, "--test", Test, "--plot", "/proc/no-such/plot.png");
            r.AssertOneLineError("--plot");
            Assert.AreEqual("", r.Out);
        }
        r = AppRunner.Run("train", "-q", "--models", "sr", "--train", Train, "-o", dir.File("no/such/folder/m.zip"));
        r.AssertOneLineError("folder not found");
        Assert.IsEmpty(Directory.GetFileSystemEntries(dir.Path), "no model, no temporary file");
    }

    [TestMethod]
    public void A_directory_as_input_is_named_as_such()
    {
        using var dir = new AppRunner.TempDir();
        AppRunner.Run("train", "-q", "--models", "pop", "--train", dir.Path, "-o", dir.File("m.zip")).AssertOneLineError($"{dir.Path} is a directory, not a file");
        AppRunner.Run("evaluate", "-q", "--models", "pop", "--train", Train, "--test", dir.Path).AssertOneLineError("--test: ");
        AppRunner.Run("evaluate", "-q", "--models", "pop", "--params", dir.Path).AssertOneLineError("is a directory, not a file");
        AppRunner.Run("split", "--input", dir.Path, "--days", "1", "--output", dir.File("out")).AssertOneLineError("is a directory, not a file");
        string zip = TrainSmall(dir, "pop");
        AppRunner.Run("recommend", "--model", zip, "--input", dir.Path).AssertOneLineError("is a directory, not a file");
    }

    /// <summary>An endless line (/dev/zero) is refused after the bounded limit instead of growing until the runtime aborts.</summary>
    [TestMethod]
    public void Dev_zero_as_train_input_or_params_is_a_one_line_error_in_little_memory()
    {
        if (!File.Exists("/dev/zero")) Assert.Inconclusive("needs /dev/zero");
        using var dir = new AppRunner.TempDir();
        string zip = TrainSmall(dir, "pop");
        foreach (var args in new[]
        {
            new[] { "train", "-q", "--models", "pop", "--train", "/dev/zero", "-o", dir.File("z.zip") },
            new[] { "train", "-q", "--models", "pop", "--train", Train, "--params", "/dev/zero", "-o", dir.File("z.zip") },
            new[] { "recommend", "--model", zip, "--input", "/dev/zero" },
        })
        {
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            var r = AppRunner.Run(args);
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            r.AssertOneLineError("/dev/zero:1: the line is longer than 1,048,576 characters");
            Assert.AreEqual(1, r.ExitCode);
            // The old reader grew one line until "Out of memory" at 2-4 GB; a bounded one reads about 2 MiB of chars.
            Assert.IsLessThan(256L << 20, allocated, $"{string.Join(' ', args)} allocated {allocated >> 20} MiB");
        }
        Assert.IsFalse(File.Exists(dir.File("z.zip")));
    }

    /// <summary>The version file beside a --libtorch folder is read by its head only: a link to /dev/zero is refused.</summary>
    [TestMethod]
    public void A_libtorch_version_file_is_read_bounded()
    {
        if (!File.Exists("/dev/zero")) Assert.Inconclusive("needs /dev/zero");
        using var dir = new AppRunner.TempDir();
        foreach (string name in new[] { "version.py", "build-version" })
        {
            string lib = Path.Combine(dir.Path, name.Replace('.', '-'), "lib");
            Directory.CreateDirectory(lib);
            File.CreateSymbolicLink(Path.Combine(lib, "..", name), "/dev/zero");
            var e = Assert.ThrowsExactly<InvalidDataException>(() => MLNet.SessionRec.Gru4Rec.LibTorch.ReadVersion(lib));
            StringAssert.Contains(e.Message, $"{name}:1: the line is longer than 65,536 characters");
        }
    }

    [TestMethod]
    public void A_bom_on_stdin_reads_like_a_file_with_a_bom()
    {
        using var dir = new AppRunner.TempDir();
        string zip = TrainSmall(dir, "sr");
        string events = string.Join('\n', File.ReadLines(Test).Take(40)) + "\n";
        var plain = AppRunner.RunWithInput(events, "recommend", "--model", zip, "--input", "-", "--top", "5");
        plain.AssertSuccess();
        var bom = AppRunner.RunWithInput("\uFEFF" + events, "recommend", "--model", zip, "--input", "-", "--top", "5");
        bom.AssertSuccess();
        string file = dir.File("bom.tsv");
        File.WriteAllText(file, events, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        var fromFile = AppRunner.Run("recommend", "--model", zip, "--input", file, "--top", "5");
        fromFile.AssertSuccess();
        Assert.AreEqual(39, plain.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.AreEqual(plain.Out, bom.Out);
        Assert.AreEqual(plain.Out, fromFile.Out);
    }

    /// <summary>Ids with the list separator (and quotes, TABs) come back from recommend's output through a CSV parser.</summary>
    [TestMethod]
    public void Item_ids_with_the_separator_round_trip_through_recommend_output()
    {
        using var dir = new AppRunner.TempDir();
        string[] items = ["a,b", "c", "say \"hi\"", "d,\"e\"", "f"];
        // Every session walks the items in order: with POP all five are recommended, with their counts as the order.
        var lines = new List<string> { "SessionId\tItemId\tTime" };
        int time = 1000;
        for (int s = 0; s < 30; s++)
            for (int i = 0; i <= s % items.Length; i++) lines.Add($"s,{s}\t{items[i]}\t{time++}");
        string train = dir.File("train.tsv");
        File.WriteAllLines(train, lines);
        string zip = dir.File("pop.zip");
        AppRunner.Run("train", "-q", "--models", "pop", "--train", train, "-o", zip).AssertSuccess();
        var r = AppRunner.RunWithInput("SessionId\tItemId\nx,1\ta,b\n", "recommend", "--model", zip, "--input", "-", "--top", "5");
        r.AssertSuccess();
        string line = r.Out.TrimEnd('\n');
        // One record: TAB after the session and the position, ',' between items, quoted fields as in RFC 4180.
        using var parser = new TextFieldParser(new StringReader(line)) { HasFieldsEnclosedInQuotes = true };
        parser.SetDelimiters("\t", ",");
        string[] fields = parser.ReadFields()!;
        Assert.AreEqual("x,1", fields[0], line);
        Assert.AreEqual("0", fields[1], line);
        // POP ranks by count: a,b in all 30 sessions, c in 24, ... f in 6.
        CollectionAssert.AreEqual(items, fields[2..], line);
    }

    [TestMethod]
    public void Control_characters_in_headers_ids_and_paths_are_escaped_in_messages()
    {
        using var dir = new AppRunner.TempDir();
        const string clear = "\u001b[2J\u001b[H";
        string file = dir.File("header.tsv");
        File.WriteAllText(file, $"SessionId\tItem{clear}Id\tTime\n1\t2\t3\n");
        var r = AppRunner.Run("train", "-q", "--models", "pop", "--train", file, "-o", dir.File("m.zip"));
        r.AssertOneLineError("Item\\x1B[2J\\x1B[HId");
        Assert.DoesNotContain("\u001b", r.Err);

        string badTime = dir.File("time.tsv");
        File.WriteAllText(badTime, $"SessionId\tItemId\tTime\n1\t2\t3{clear}\u009b\n");
        r = AppRunner.Run("train", "-q", "--models", "pop", "--train", badTime, "-o", dir.File("m.zip"));
        r.AssertOneLineError("3\\x1B[2J\\x1B[H\\x9B");

        r = AppRunner.Run("train", "-q", "--models", "pop", "--train", dir.File($"no{clear}such\nfile.tsv"), "-o", dir.File("m.zip"));
        r.AssertOneLineError("no\\x1B[2J\\x1B[Hsuch\\x0Afile.tsv");
        Assert.DoesNotContain("\u001b", r.Err);

        string zip = TrainSmall(dir, "pop");
        r = AppRunner.RunWithInput($"Session{clear}\tItemId\n", "recommend", "--model", zip, "--input", "-");
        r.AssertOneLineError("Session\\x1B[2J\\x1B[H");
    }

    [TestMethod]
    public void Split_refuses_meaningless_days_before_writing()
    {
        using var dir = new AppRunner.TempDir();
        string output = dir.File("out");
        foreach (string days in new[] { "NaN", "Infinity", "-1", "0", "1e308" })
            AppRunner.Run("split", "--input", Train, "--days", days, "--output", output).AssertOneLineError("--days must be a positive, finite number of days");
        // Finite but longer than the data: every session would be test, none train.
        AppRunner.Run("split", "--input", Train, "--days", "1e6", "--output", output).AssertOneLineError("the training part would be empty");
        // A period that holds only a one-event session: no test session remains.
        string events = dir.File("events.tsv");
        File.WriteAllText(events, "SessionId\tItemId\tTime\n1\ta\t1\n1\tb\t2\n2\ta\t3\n2\tb\t4\n3\ta\t1000\n");
        AppRunner.Run("split", "--input", events, "--days", "0.001", "--output", output).AssertOneLineError("leaves no test session");
        Assert.IsFalse(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any(), "nothing written");
        AppRunner.Run("split", "--input", Train, "--days", "1", "--output", output).AssertSuccess();
        Assert.HasCount(2, Directory.GetFiles(output));
    }

    private static string TrainSmall(AppRunner.TempDir dir, string model)
    {
        string zip = dir.File($"{model}.zip");
        AppRunner.Run("train", "-q", "--models", model, "--train", Train, "-o", zip).AssertSuccess();
        return zip;
    }
}
