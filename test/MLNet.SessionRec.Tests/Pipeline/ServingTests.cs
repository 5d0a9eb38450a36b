using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML;
using MLNet.SessionRec.Tests.Persistence;

namespace MLNet.SessionRec.Tests.Pipeline;

/// <summary>
/// Serving with the caller's MLContext, named models and reload on file change, in the shape of ML.NET's
/// PredictionEnginePool (issue 11, item 12).
/// </summary>
[TestClass]
public sealed class ServingTests
{
    private static readonly string[] Session = ["214716935", "214832672"];

    private static string[] Top(SessionRecommender recommender) => recommender.Recommend(Session, topK: 10).Select(r => r.ItemId).ToArray();

    [TestMethod]
    public void LoadUsesTheCallersMLContext()
    {
        // A context that asks for a GPU without CPU fallback: loading GRU4Rec must honour it (fail on a machine
        // without CUDA, land on CUDA where there is one); a new default context would silently load on the CPU.
        var gpuOnly = new MLContext { GpuDeviceId = 0, FallbackToCpu = false };
        if (TorchSharp.torch.cuda.is_available())
        {
            using var recommender = SessionRecommender.Load(gpuOnly, ModelFixtureTests.ZipPath("gru4rec-ce"));
            Assert.HasCount(10, Top(recommender));
        }
        else
        {
            Assert.Throws<Exception>(() => SessionRecommender.Load(gpuOnly, ModelFixtureTests.ZipPath("gru4rec-ce")));
            var provider = new ServiceCollection().AddSingleton(gpuOnly).AddSessionRecommender(ModelFixtureTests.ZipPath("gru4rec-ce")).BuildServiceProvider();
            Assert.Throws<Exception>(() => provider.GetRequiredService<SessionRecommender>(), "the DI registration takes the container's MLContext");
        }
        // The caller's log sees the load.
        var ml = new MLContext(seed: 1);
        int messages = 0;
        ml.Log += (_, _) => Interlocked.Increment(ref messages);
        using (var recommender = SessionRecommender.Load(ml, ModelFixtureTests.ZipPath("sr"))) Assert.HasCount(10, Top(recommender));
        Assert.IsGreaterThan(0, messages);
    }

    [TestMethod]
    public void NamedModelsAndReloadWhenTheFileChanges()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"serving-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            string watched = Path.Combine(folder, "model.zip");
            File.Copy(ModelFixtureTests.ZipPath("sr"), watched);
            var ml = new MLContext(seed: 1);
            using var provider = new ServiceCollection().AddSingleton(ml)
                .AddSessionRecommenderPool()
                .FromFile("gru4rec", ModelFixtureTests.ZipPath("gru4rec-ce"))
                .FromFile("live", watched, watchForChanges: true)
                .FromStream("markov", _ => File.OpenRead(ModelFixtureTests.ZipPath("markov")))
                .Services.BuildServiceProvider();
            var pool = provider.GetRequiredService<SessionRecommenderPool>();
            CollectionAssert.AreEquivalent(new[] { "gru4rec", "live", "markov" }, pool.ModelNames.ToArray());
            Assert.AreEqual("gru4rec", pool.GetRecommender("gru4rec").Model.Name);
            Assert.AreEqual("markov", pool.GetRecommender("markov").Model.Name);
            var before = pool.GetRecommender("live");
            Assert.AreEqual("sr", before.Model.Name);
            using (var direct = SessionRecommender.Load(ModelFixtureTests.ZipPath("sr"))) CollectionAssert.AreEqual(Top(direct), Top(before));
            Assert.ThrowsExactly<ArgumentException>(() => pool.GetRecommender("nope"));
            using var liveSession = before.StartSession();

            // Replace the file the way a deployment should (write a temporary file, rename it over the old one).
            string temp = Path.Combine(folder, "model.zip.tmp");
            File.Copy(ModelFixtureTests.ZipPath("ar"), temp);
            File.Move(temp, watched, overwrite: true);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (pool.GetRecommender("live").Model.Name != "ar" && DateTime.UtcNow < deadline) Thread.Sleep(100);
            Assert.AreEqual("ar", pool.GetRecommender("live").Model.Name, "reloaded after the file changed");
            Assert.AreSame(pool.GetRecommender("live"), pool.GetRecommender("live"));
            // A session started on the previous model keeps working.
            liveSession.Add(Session[0]);
            Assert.HasCount(20, liveSession.Recommend());
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
