using Microsoft.ML;

namespace MLNet.SessionRec.Tests.Gru4Rec;

/// <summary>Real rsc15-100k sessions, loaded once, and small subsets of them for fast GRU4Rec tests.</summary>
internal static class Gru4RecTestData
{
    private static readonly Lazy<SessionDataset> TrainFull = new(() => SessionFileReader.Read(TestData.Rsc15("train_full")));

    public static SessionDataset Train => TrainFull.Value;

    /// <summary>The first <paramref name="sessions"/> training sessions (in time order) as a dataset of their own.</summary>
    public static SessionDataset Subset(int sessions)
    {
        var source = Train;
        var builder = new SessionDatasetBuilder();
        for (int s = 0; s < Math.Min(sessions, source.SessionCount); s++)
        {
            var items = source.GetSession(s);
            for (int k = 0; k < items.Length; k++) builder.Add(source.SessionIds[s], source.Items.GetId(items[k]), s * 1000.0 + k);
        }
        return builder.Build();
    }

    /// <summary>
    /// Trains GRU4Rec through the library's trainer, with <paramref name="seed"/> as the MLContext's seed (null: none),
    /// as a pipeline would; <paramref name="onEpoch"/> and <paramref name="onProgress"/> replace the options' callbacks.
    /// </summary>
    public static Gru4RecModel TrainModel(SessionDataset data, Gru4RecTrainer.Options options, int? seed = null, SessionDataset? validation = null,
        Action<Gru4RecEpochReport>? onEpoch = null, Action<Gru4RecEpochProgress>? onProgress = null, MLContext? mlContext = null)
    {
        var o = options.Clone();
        if (onEpoch != null) o.OnEpoch = onEpoch;
        if (onProgress != null) o.OnProgress = onProgress;
        return (mlContext ?? new MLContext(seed)).SessionRecommendation().Trainers.Gru4Rec(o).Train(data, validation);
    }

    /// <summary>Small, fast parameters (official names) for mechanics tests.</summary>
    public const string SmallParams = "loss=cross-entropy,layers=32,batch_size=16,n_sample=64,dropout_p_hidden=0.2,learning_rate=0.1,momentum=0.1,logq=1.0,n_epochs=1";
}
