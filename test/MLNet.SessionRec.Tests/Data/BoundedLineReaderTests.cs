using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Tests.Data;

[TestClass]
public sealed class BoundedLineReaderTests
{
    /// <summary>The lines are those of <see cref="TextReader.ReadLine"/>, whatever the terminators and block boundaries.</summary>
    [TestMethod]
    public async Task Lines_are_those_of_ReadLine_across_block_boundaries()
    {
        var random = new Random(7);
        string[] pieces = ["a", "bc", "\n", "\r\n", "\r", "", "\t", "é", new string('x', 16383)];
        for (int round = 0; round < 50; round++)
        {
            string text = string.Concat(Enumerable.Range(0, 40).Select(_ => pieces[random.Next(pieces.Length)]));
            var expected = new List<string>();
            using (var plain = new StringReader(text))
                for (string? line = plain.ReadLine(); line != null; line = plain.ReadLine()) expected.Add(line);
            var actual = new List<string>();
            using var bounded = new BoundedLineReader(new StringReader(text), "text");
            for (string? line = bounded.ReadLine(); line != null; line = bounded.ReadLine()) actual.Add(line);
            CollectionAssert.AreEqual(expected, actual, $"round {round}");
            Assert.AreEqual(expected.Count, bounded.LineNumber);
            Assert.IsNull(bounded.ReadLine(), "the end stays the end");
            var awaited = new List<string>();
            using var asynchronous = new BoundedLineReader(new StringReader(text), "text");
            for (string? line = await asynchronous.ReadLineAsync(CancellationToken.None); line != null; line = await asynchronous.ReadLineAsync(CancellationToken.None)) awaited.Add(line);
            CollectionAssert.AreEqual(expected, awaited, $"round {round}, async");
        }
    }

    /// <summary>A \r\n whose \r ends one 16 Ki block and whose \n starts the next is one terminator.</summary>
    [TestMethod]
    public void A_crlf_split_between_blocks_is_one_terminator()
    {
        using var reader = new BoundedLineReader(new StringReader(new string('x', 16383) + "\r\nb\r\n"), "text");
        Assert.AreEqual(16383, reader.ReadLine()!.Length);
        Assert.AreEqual("b", reader.ReadLine());
        Assert.IsNull(reader.ReadLine());
        Assert.AreEqual(2, reader.LineNumber);
    }

    [TestMethod]
    public void A_line_over_the_limit_names_the_source_and_the_line()
    {
        using var reader = new BoundedLineReader(new StringReader("ok\n" + new string('z', 101) + "\n"), "events.tsv", maxLineLength: 100);
        Assert.AreEqual("ok", reader.ReadLine());
        var e = Assert.ThrowsExactly<InvalidDataException>(() => reader.ReadLine());
        Assert.AreEqual("events.tsv:2: the line is longer than 100 characters (a binary file, or not line-based text?).", e.Message);
        using var exact = new BoundedLineReader(new StringReader(new string('z', 100)), "x", maxLineLength: 100);
        Assert.AreEqual(100, exact.ReadLine()!.Length);
    }

    [TestMethod]
    public void A_leading_byte_order_mark_is_skipped_once()
    {
        using var reader = new BoundedLineReader(new StringReader("\uFEFFSessionId\n\uFEFFx\n"), "stdin");
        Assert.AreEqual("SessionId", reader.ReadLine());
        Assert.AreEqual("\uFEFFx", reader.ReadLine());
        using var only = new BoundedLineReader(new StringReader("\uFEFF"), "stdin");
        Assert.IsNull(only.ReadLine());
    }

    [TestMethod]
    public void A_directory_is_named_as_such()
    {
        string dir = Directory.CreateTempSubdirectory("bounded-").FullName;
        try
        {
            var e = Assert.ThrowsExactly<IOException>(() => BoundedLineReader.Open(dir));
            Assert.AreEqual($"{dir} is a directory, not a file.", e.Message);
            Assert.ThrowsExactly<FileNotFoundException>(() => BoundedLineReader.Open(Path.Combine(dir, "none.tsv")));
        }
        finally { Directory.Delete(dir); }
    }

    /// <summary>A read that blocks (a terminal or pipe with nothing to read) ends when the token is cancelled.</summary>
    [TestMethod]
    public async Task A_blocked_read_ends_when_cancelled()
    {
        using var blocked = new SemaphoreSlim(0);
        using var reader = new BoundedLineReader(new BlockingReader(blocked), "stdin");
        using var cancellation = new CancellationTokenSource();
        var read = reader.ReadLineAsync(cancellation.Token).AsTask();
        Assert.IsFalse(read.IsCompleted);
        cancellation.Cancel();
        await Assert.ThrowsAsync<OperationCanceledException>(() => read);
        Assert.ThrowsExactly<ObjectDisposedException>(() => reader.ReadLine(), "the abandoned read may still fill the buffer");
        blocked.Release();
    }

    private sealed class BlockingReader(SemaphoreSlim gate) : TextReader
    {
        public override int Read(char[] buffer, int index, int count)
        {
            gate.Wait();
            return 0;
        }
    }
}
