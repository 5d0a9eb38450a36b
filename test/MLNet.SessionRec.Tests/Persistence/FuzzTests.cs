using System.Text;
using Microsoft.ML;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec.Tests.Persistence;

/// <summary>
/// 10,000 seeded random mutations (bit flips, byte inserts and deletes, truncation, fields overwritten with big
/// numbers, duplicated chunks) of real data files and real model files: the loaders give only their documented
/// errors, and no case runs longer than <see cref="CaseLimit"/>.
/// </summary>
[TestClass]
public sealed class FuzzTests
{
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(5);

    public TestContext TestContext { get; set; } = null!;

    private string WorkFolder()
    {
        string dir = Path.Combine(TestContext.TestRunResultsDirectory ?? Path.GetTempPath(), $"fuzz-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    [TestMethod]
    [TestCategory("Fuzz")]
    public void FiveThousandMutatedDataFilesGiveOnlyDataErrors()
    {
        var rng = new Random(20261201);
        var lines = File.ReadLines(TestData.Rsc15("train_full")).Take(3000).ToArray();
        string header = lines[0], dir = WorkFolder(), path = Path.Combine(dir, "events.tsv");
        var vocabulary = SessionFileReader.Read(TestData.Rsc15("train_full")).Items;
        var outcomes = new Outcomes();
        for (int c = 0; c < 5000; c++)
        {
            int from = 1 + rng.Next(lines.Length - 201), count = 1 + rng.Next(200);
            string newline = rng.Next(4) == 0 ? "\r\n" : "\n";
            var text = Encoding.UTF8.GetBytes(header + newline + string.Join(newline, lines.Skip(from).Take(count)) + newline);
            var (mutated, what) = Mutate(text, rng);
            File.WriteAllBytes(path, mutated);
            var options = new SessionFileOptions { MinSessionLength = rng.Next(1, 3) };
            var known = rng.Next(2) == 0 ? vocabulary : null;
            outcomes.Run(c, what, () => SessionFileReader.Read(path, options, known),
                e => e is InvalidDataException);
        }
        outcomes.Check(TestContext, "data files");
        Directory.Delete(dir, recursive: true);
    }

    [TestMethod]
    [TestCategory("Fuzz")]
    public void FiveThousandMutatedModelsGiveOnlyModelErrors()
    {
        var rng = new Random(20261202);
        var models = Fixtures().Select(name => (Name: name, Zip: CraftedModels.FixtureBytes(name))).Concat(TrainedSessionKnn()).ToArray();
        var streams = models.Select(m => (m.Name, Stream: CraftedModels.ModelStreamOf(m.Zip))).ToArray();
        // Unmutated, every model loads (this also loads libtorch and JIT-compiles the readers before the timed cases).
        foreach (var (name, stream) in streams)
        {
            using var reader = new BinaryReader(new MemoryStream(stream, writable: false));
            var model = TransformerEntry.ReadModelStream(reader, r => SessionModelRegistry.Read(r));
            Assert.IsNotNull(model, name);
            (model as IDisposable)?.Dispose();
        }
        var outcomes = new Outcomes();
        // The model stream through our readers in-process (the fast path); for half the cases the checksum is
        // recomputed after the mutation, as an attacker would, so the parser behind it sees the damage.
        for (int c = 0; c < 4700; c++)
        {
            var (name, stream) = streams[rng.Next(streams.Length)];
            bool rehash = c % 2 == 0;
            var (mutated, what) = Mutate(rehash ? CraftedModels.BodyOf(stream) : stream, rng);
            var input = rehash ? CraftedModels.WrapBody(mutated) : mutated;
            outcomes.Run(c, $"{name} {(rehash ? "body, checksum recomputed" : "stream")}: {what}", () =>
            {
                using var reader = new BinaryReader(new MemoryStream(input, writable: false));
                var model = TransformerEntry.ReadModelStream(reader, r => SessionModelRegistry.Read(r));
                (model as IDisposable)?.Dispose();
            }, IsModelError);
        }
        // Whole zips through the checked load path, with a private temp folder that must be empty at the end.
        string temp = WorkFolder();
        for (int c = 4700; c < 5000; c++)
        {
            var (name, zip) = models[rng.Next(models.Length)];
            var (mutated, what) = Mutate(zip, rng);
            outcomes.Run(c, $"{name} zip: {what}", () =>
            {
                var ml = new MLContext(seed: 1) { TempFilePath = temp };
                using var recommender = SessionRecommender.Load(ml, new MemoryStream(mutated, writable: false));
            }, IsModelError);
        }
        outcomes.Check(TestContext, "models");
        CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFileSystemEntries(temp), "left in the temp folder");
        Directory.Delete(temp);
    }

    private static string[] Fixtures() => ["gru4rec-ce", "gru4rec-bprmax", "gru4rec-embed", "pop", "spop", "itemknn", "markov", "ar", "sr"];

    private static IEnumerable<(string Name, byte[] Zip)> TrainedSessionKnn()
    {
        var ml = new MLContext(seed: 1);
        var train = Pipeline.PipelineTestData.Events(ml, "train_full");
        foreach (var baseline in new[] { SessionBaseline.VectorSessionKnn, SessionBaseline.VStan })
        {
            var model = ml.SessionRecommendation().Trainers.Baseline(new SessionBaselineTrainer.Options { Baseline = baseline }).Fit(train);
            using var stream = new MemoryStream();
            ml.Model.Save(model, train.Schema, stream);
            yield return (baseline.ToString(), stream.ToArray());
        }
    }

    // Our readers' errors (a one-line message that starts with our prefix or names the model part).
    private static bool IsModelError(Exception e) => e is InvalidDataException;

    private static readonly long[] BigNumbers = [int.MaxValue, int.MinValue, -1, 0, 8_500_000, 1 << 30, 100_000, int.MaxValue - 7, long.MaxValue, long.MinValue];

    /// <summary>1 to 3 random mutations of <paramref name="source"/> and their description.</summary>
    internal static (byte[] Bytes, string What) Mutate(byte[] source, Random rng)
    {
        var bytes = new List<byte>(source);
        var what = new List<string>();
        int n = 1 + rng.Next(3);
        for (int m = 0; m < n; m++)
        {
            int at = bytes.Count == 0 ? 0 : rng.Next(bytes.Count);
            switch (rng.Next(6))
            {
                case 0 when bytes.Count > 0:
                    int flips = 1 + rng.Next(8);
                    for (int f = 0; f < flips; f++) { int i = rng.Next(bytes.Count); bytes[i] ^= (byte)(1 << rng.Next(8)); }
                    what.Add($"flip {flips} bits");
                    break;
                case 1:
                    var inserted = new byte[1 + rng.Next(16)];
                    rng.NextBytes(inserted);
                    bytes.InsertRange(at, inserted);
                    what.Add($"insert {inserted.Length} bytes at {at}");
                    break;
                case 2 when bytes.Count > 0:
                    int length = Math.Min(1 + rng.Next(64), bytes.Count - at);
                    bytes.RemoveRange(at, length);
                    what.Add($"delete {length} bytes at {at}");
                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at);
                    what.Add($"truncate at {at}");
                    break;
                case 4 when bytes.Count > 0:
                    long value = BigNumbers[rng.Next(BigNumbers.Length)];
                    byte[] field = value is >= int.MinValue and <= int.MaxValue && rng.Next(2) == 0 ? BitConverter.GetBytes((int)value) : BitConverter.GetBytes(value);
                    if (rng.Next(4) == 0) field = [0xFF, 0xFF, 0xFF, 0xFF, 0x07]; // a string's 7-bit length prefix of int.MaxValue
                    for (int i = 0; i < field.Length && at + i < bytes.Count; i++) bytes[at + i] = field[i];
                    what.Add($"overwrite {field.Length} bytes at {at} with {Convert.ToHexString(field)}");
                    break;
                case 5 when bytes.Count > 0:
                    int chunk = Math.Min(1 + rng.Next(512), bytes.Count - at), to = rng.Next(bytes.Count + 1);
                    bytes.InsertRange(to, bytes.GetRange(at, chunk));
                    what.Add($"duplicate {chunk} bytes from {at} at {to}");
                    break;
                default:
                    bytes.Add((byte)rng.Next(256));
                    what.Add("append a byte");
                    break;
            }
        }
        return (bytes.ToArray(), string.Join(", ", what));
    }

    /// <summary>Runs cases under a time limit and collects what happened.</summary>
    private sealed class Outcomes
    {
        private readonly List<string> _failures = [];
        private int _accepted, _refused;
        private TimeSpan _slowest;

        public void Run(int index, string what, Action action, Func<Exception, bool> documented)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var task = Task.Run(action);
            try
            {
                if (!task.Wait(CaseLimit))
                {
                    _failures.Add($"case {index} ({what}): still running after {CaseLimit.TotalSeconds} s");
                    Assert.Fail(string.Join("\n", _failures)); // a hung case cannot be stopped: report it now
                }
                _accepted++;
            }
            catch (AggregateException wrapped) when (wrapped.InnerExceptions.Count == 1)
            {
                var e = wrapped.InnerException!;
                if (!documented(e)) _failures.Add($"case {index} ({what}): {Chain(e)}\n{e.StackTrace}");
                else if (e.Message.Contains('\n')) _failures.Add($"case {index} ({what}): a message of several lines: {e.Message}");
                else _refused++;
            }
            if (watch.Elapsed > _slowest) _slowest = watch.Elapsed;
        }

        private static string Chain(Exception e)
        {
            var parts = new List<string>();
            for (var x = e; x != null; x = x.InnerException) parts.Add($"{x.GetType().Name}: {x.Message}");
            return string.Join(" --> ", parts);
        }

        public void Check(TestContext context, string what)
        {
            context.WriteLine($"{what}: {_accepted} accepted, {_refused} refused with a documented error, {_failures.Count} failures; slowest case {_slowest.TotalMilliseconds:F0} ms");
            Assert.IsEmpty(_failures, $"{_failures.Count} cases of {what} failed:\n{string.Join("\n\n", _failures.Take(8))}");
            Assert.IsGreaterThan(0, _refused, "the mutations were all accepted: the fuzzing is not reaching the readers");
        }
    }
}
