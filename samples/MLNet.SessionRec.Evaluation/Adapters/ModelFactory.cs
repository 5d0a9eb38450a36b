using System.Diagnostics;
using MLNet.SessionRec.Baselines;
using MLNet.SessionRec.Evaluation;
using MLNet.SessionRec.EvaluationApp.Running;

namespace MLNet.SessionRec.EvaluationApp.Adapters;

/// <summary>Trains a model by its <c>--models</c> name; the single place that knows the library's trainers.</summary>
internal static class ModelFactory
{
    /// <summary>Trains <paramref name="name"/> on the request's training set.</summary>
    public static TrainedModel Train(string name, TrainingRequest request, ITrainingProgress progress, CancellationToken cancellation)
    {
        if (name == ModelNames.Gru4Rec) return Gru4RecAdapter.Train(request, progress, cancellation);
        progress.BeginModel(name, 0);
        var train = request.Train;
        var watch = Stopwatch.StartNew();
        (ISessionModel model, Dictionary<string, object> parameters) = name switch
        {
            "pop" => (PopularityModel.Train(train), new Dictionary<string, object>()),
            "spop" => (SessionPopularityModel.Train(train), new Dictionary<string, object>()),
            "itemknn" => TrainItemKnn(train),
            "markov" => TrainMarkov(train),
            "ar" => TrainAssociationRules(train),
            "sr" => TrainSequentialRules(train),
            _ => throw new UsageException($"unknown model '{name}'."),
        };
        double seconds = watch.Elapsed.TotalSeconds;
        return new TrainedModel(name, model, seconds, train.EventCount / Math.Max(seconds, 1e-9), parameters, []);
    }

    private static (ISessionModel, Dictionary<string, object>) TrainItemKnn(Data.SessionDataset train)
    {
        var o = new ItemKnnOptions();
        return (ItemKnnModel.Train(train, o), new() { ["neighbors"] = o.Neighbors, ["lambda"] = o.Lambda, ["alpha"] = o.Alpha });
    }

    private static (ISessionModel, Dictionary<string, object>) TrainMarkov(Data.SessionDataset train)
    {
        var o = new MarkovOptions();
        return (MarkovModel.Train(train, o), new() { ["pruning"] = o.Pruning });
    }

    private static (ISessionModel, Dictionary<string, object>) TrainAssociationRules(Data.SessionDataset train)
    {
        var o = new AssociationRulesOptions();
        return (AssociationRulesModel.Train(train, o), new() { ["pruning"] = o.Pruning });
    }

    private static (ISessionModel, Dictionary<string, object>) TrainSequentialRules(Data.SessionDataset train)
    {
        var o = new SequentialRulesOptions();
        return (SequentialRulesModel.Train(train, o), new()
        {
            ["pruning"] = o.Pruning, ["steps"] = o.Steps, ["weighting"] = o.Weighting.ToString().ToLowerInvariant(),
        });
    }
}
