using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SessionRec.Tests.Persistence;

/// <summary>
/// Writes the model fixtures that <see cref="ModelFixtureTests"/> checks (run once per model format version, not in
/// normal test runs): with <c>SESSIONREC_WRITE_FIXTURES=1</c> it trains small models on the bundled
/// data/rsc15-100k train_full file with fixed seeds, saves each (wrapped by <c>CreateTransformer</c>) with
/// <c>mlContext.Model.Save</c>, and writes the streaming top-20 of the freshly trained model for about 50 prefixes of
/// the bundled test file, after checking that the saved model, loaded back, gives the same lists. It never
/// overwrites an existing fixture: the checked-in ones are what an earlier release wrote.
/// <code>SESSIONREC_WRITE_FIXTURES=1 dotnet test MLNet.SessionRec.sln -c Release --no-build --filter FullyQualifiedName~ModelFixtureWriter</code>
/// </summary>
[TestClass]
public sealed class ModelFixtureWriter
{
    private const string UnknownItem = "999999999";

    [TestMethod]
    public void WriteFixtures()
    {
        if (Environment.GetEnvironmentVariable("SESSIONREC_WRITE_FIXTURES") != "1")
            Assert.Inconclusive("writes the model fixtures only with SESSIONREC_WRITE_FIXTURES=1");
        var existing = ModelFixtureTests.Names.SelectMany(n => new[] { ModelFixtureTests.ZipPath(n), ModelFixtureTests.ExpectedPath(n) }).Where(File.Exists).ToList();
        if (existing.Count > 0) Assert.Fail($"fixtures exist already (delete them only for a new format version): {string.Join(", ", existing.Select(Path.GetFileName))}");
        Directory.CreateDirectory(ModelFixtureTests.Folder);

        var train = SessionFileReader.Read(Bundled("train_full"));
        var prefixes = Prefixes();
        Assert.IsTrue(prefixes.SelectMany(p => p).Where(i => i != UnknownItem).All(i => train.Items.TryGetIndex(i, out _)), "test items are known");
        Assert.IsFalse(train.Items.TryGetIndex(UnknownItem, out _), "the unknown item is unknown");

        foreach (var name in ModelFixtureTests.Names)
        {
            var ml = new MLContext(seed: 1);
            using var transformer = ml.SessionRecommendation().CreateTransformer(Train(name, train));
            var schema = new DataViewSchema.Builder();
            schema.AddColumn(DefaultColumns.ItemId, new VectorDataViewType(TextDataViewType.Instance));
            ml.Model.Save(transformer, schema.ToSchema(), ModelFixtureTests.ZipPath(name));

            using var fresh = transformer.CreateRecommender();
            var lines = prefixes.Select(p => ModelFixtureTests.Format(p, fresh.Recommend(p, 20))).ToList();
            using (var loaded = (SessionRecommendationTransformer)new MLContext(seed: 2).Model.Load(ModelFixtureTests.ZipPath(name), out _))
            using (var viaModelLoad = loaded.CreateRecommender())
                CollectionAssert.AreEqual(lines, prefixes.Select(p => ModelFixtureTests.Format(p, viaModelLoad.Recommend(p, 20))).ToList(), $"{name}: Model.Load");
            using (var served = SessionRecommender.Load(ModelFixtureTests.ZipPath(name)))
                CollectionAssert.AreEqual(lines, prefixes.Select(p => ModelFixtureTests.Format(p, served.Recommend(p, 20))).ToList(), $"{name}: SessionRecommender.Load");
            Assert.IsTrue(lines.All(l => l.Split('\t')[1].Split(' ').Length == 20), $"{name}: full lists");
            File.WriteAllLines(ModelFixtureTests.ExpectedPath(name), lines.Prepend(ModelFixtureTests.Header));
        }
    }

    private static string Bundled(string part) => Path.Combine(TestData.RepoRoot, "data", "rsc15-100k", $"yoochoose-clicks-100k_{part}.txt");

    private static ISessionModel Train(string name, SessionDataset train) => name switch
    {
        "gru4rec-ce" => Gru4Rec(train, "loss=cross-entropy,layers=16,batch_size=32,n_sample=64,learning_rate=0.1,n_epochs=1"),
        "gru4rec-bprmax" => Gru4Rec(train, "loss=bpr-max,layers=8,batch_size=32,n_sample=64,learning_rate=0.1,dropout_p_hidden=0.2,momentum=0.3,n_epochs=1"),
        "gru4rec-embed" => Gru4Rec(train, "loss=cross-entropy,layers=8,batch_size=32,n_sample=64,learning_rate=0.1,constrained_embedding=False,embedding=8,dropout_p_embed=0.1,n_epochs=1"),
        "pop" => PopularityModel.Train(train),
        "spop" => SessionPopularityModel.Train(train),
        "itemknn" => ItemKnnModel.Train(train, new ItemKnnOptions { Neighbors = 5 }),
        "markov" => MarkovModel.Train(train, new MarkovOptions { Pruning = 5 }),
        "ar" => AssociationRulesModel.Train(train, new AssociationRulesOptions { Pruning = 5 }),
        "sr" => SequentialRulesModel.Train(train, new SequentialRulesOptions { Pruning = 5 }),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such fixture"),
    };

    private static Gru4RecModel Gru4Rec(SessionDataset train, string parameters) =>
        new MLContext(7).SessionRecommendation().Trainers.Gru4Rec(Gru4RecTrainer.Options.Parse(parameters)).Train(train);

    /// <summary>
    /// 47 prefixes of test sessions spread over the bundled test file (alternately the first event and all but the
    /// last), the empty session, a session of one unknown item, and one with an unknown item between known ones.
    /// </summary>
    private static List<string[]> Prefixes()
    {
        var sessions = File.ReadLines(Bundled("test")).Skip(1).Select(l => l.Split('\t'))
            .GroupBy(f => f[0])
            .Select(g => g.OrderBy(f => double.Parse(f[2], CultureInfo.InvariantCulture)).Select(f => f[1]).ToArray())
            .ToList();
        var prefixes = Enumerable.Range(0, 47).Select(k => sessions[k * (sessions.Count / 47)])
            .Select((s, k) => k % 2 == 0 ? s[..^1] : s[..1]).ToList();
        prefixes.Add([]);
        prefixes.Add([UnknownItem]);
        prefixes.Add([sessions[0][0], UnknownItem, sessions[0][1]]);
        return prefixes;
    }
}
