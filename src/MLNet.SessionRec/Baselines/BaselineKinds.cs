using System.Runtime.CompilerServices;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Baselines;

/// <summary>
/// The one table of the baselines: name (= saved model kind), how each trains, reads back and reports its
/// parameters. The trainer, the public names and the model registry are all driven from it.
/// </summary>
internal static class BaselineKinds
{
    internal sealed record Entry(
        SessionBaseline Baseline,
        string Name,
        Func<SessionDataset, SessionBaselineTrainer.Options, ISavableSessionModel> Train,
        Func<BinaryReader, ISavableSessionModel> Read,
        Func<SessionBaselineTrainer.Options, IReadOnlyDictionary<string, object>> Parameters);

    private static readonly Dictionary<string, object> None = new();

    public static IReadOnlyList<Entry> All { get; } =
    [
        new(SessionBaseline.Popularity, PopularityModel.Kind, (d, _) => PopularityModel.Train(d), PopularityModel.Read, _ => None),
        new(SessionBaseline.SessionPopularity, SessionPopularityModel.Kind, (d, _) => SessionPopularityModel.Train(d), SessionPopularityModel.Read, _ => None),
        new(SessionBaseline.ItemKnn, ItemKnnModel.Kind, (d, o) => ItemKnnModel.Train(d, o.ItemKnn), ItemKnnModel.Read,
            o => new Dictionary<string, object> { ["neighbors"] = o.ItemKnn.Neighbors, ["lambda"] = o.ItemKnn.Lambda, ["alpha"] = o.ItemKnn.Alpha }),
        new(SessionBaseline.Markov, MarkovModel.Kind, (d, o) => MarkovModel.Train(d, o.Markov), MarkovModel.Read,
            o => new Dictionary<string, object> { ["pruning"] = o.Markov.Pruning }),
        new(SessionBaseline.AssociationRules, AssociationRulesModel.Kind, (d, o) => AssociationRulesModel.Train(d, o.AssociationRules), AssociationRulesModel.Read,
            o => new Dictionary<string, object> { ["pruning"] = o.AssociationRules.Pruning }),
        new(SessionBaseline.SequentialRules, SequentialRulesModel.Kind, (d, o) => SequentialRulesModel.Train(d, o.SequentialRules), SequentialRulesModel.Read,
            o => new Dictionary<string, object>
            {
                ["pruning"] = o.SequentialRules.Pruning, ["steps"] = o.SequentialRules.Steps,
                ["weighting"] = o.SequentialRules.Weighting.ToString().ToLowerInvariant(),
            }),
        new(SessionBaseline.SessionKnn, SessionKnnModel.Kind, (d, o) => SessionKnnModel.Train(d, o.SessionKnn), SessionKnnModel.Read,
            o => new Dictionary<string, object>
            {
                ["k"] = o.SessionKnn.K, ["sample_size"] = o.SessionKnn.SampleSize, ["similarity"] = Lower(o.SessionKnn.Similarity),
                ["remind"] = o.SessionKnn.Remind, ["pop_boost"] = o.SessionKnn.PopBoost,
            }),
        new(SessionBaseline.VectorSessionKnn, VectorSessionKnnModel.Kind, (d, o) => VectorSessionKnnModel.Train(d, o.VectorSessionKnn), VectorSessionKnnModel.Read,
            o => new Dictionary<string, object>
            {
                ["k"] = o.VectorSessionKnn.K, ["sample_size"] = o.VectorSessionKnn.SampleSize, ["similarity"] = Lower(o.VectorSessionKnn.Similarity),
                ["weighting"] = Lower(o.VectorSessionKnn.Weighting), ["weighting_score"] = Lower(o.VectorSessionKnn.WeightingScore),
                ["idf_weighting"] = o.VectorSessionKnn.IdfWeighting, ["remind"] = o.VectorSessionKnn.Remind,
            }),
        new(SessionBaseline.SequentialSessionKnn, SequentialSessionKnnModel.Kind, (d, o) => SequentialSessionKnnModel.Train(d, o.SequentialSessionKnn), SequentialSessionKnnModel.Read,
            o => new Dictionary<string, object>
            {
                ["k"] = o.SequentialSessionKnn.K, ["sample_size"] = o.SequentialSessionKnn.SampleSize,
                ["similarity"] = Lower(o.SequentialSessionKnn.Similarity), ["weighting"] = Lower(o.SequentialSessionKnn.Weighting),
            }),
        new(SessionBaseline.Stan, StanModel.Kind, (d, o) => StanModel.Train(d, o.Stan), StanModel.Read,
            o => new Dictionary<string, object?>
            {
                ["k"] = o.Stan.K, ["sample_size"] = o.Stan.SampleSize, ["lambda_spw"] = o.Stan.LambdaSpw, ["lambda_snh"] = o.Stan.LambdaSnh,
                ["lambda_inh"] = o.Stan.LambdaInh,
            }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!)),
        new(SessionBaseline.VStan, VStanModel.Kind, (d, o) => VStanModel.Train(d, o.VStan), VStanModel.Read,
            o => new Dictionary<string, object?>
            {
                ["k"] = o.VStan.K, ["sample_size"] = o.VStan.SampleSize, ["lambda_spw"] = o.VStan.LambdaSpw, ["lambda_snh"] = o.VStan.LambdaSnh,
                ["lambda_inh"] = o.VStan.LambdaInh, ["lambda_ipw"] = o.VStan.LambdaIpw, ["lambda_idf"] = o.VStan.LambdaIdf,
            }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!)),
    ];

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    public static Entry Of(SessionBaseline baseline) =>
        All.FirstOrDefault(k => k.Baseline == baseline) ?? throw new ArgumentOutOfRangeException(nameof(baseline), baseline, "Unknown baseline.");

    /// <summary>
    /// Checks the selected baseline's parameters without data (the trainer calls it before reading any row); the
    /// models' <c>Train</c> methods run the same checks. Baselines without parameters have none.
    /// </summary>
    public static void CheckOptions(SessionBaselineTrainer.Options o)
    {
        switch (o.Baseline)
        {
            case SessionBaseline.ItemKnn: ItemKnnModel.Check(o.ItemKnn); break;
            case SessionBaseline.Markov: MarkovModel.Check(o.Markov); break;
            case SessionBaseline.AssociationRules: AssociationRulesModel.Check(o.AssociationRules); break;
            case SessionBaseline.SequentialRules: SequentialRulesModel.Check(o.SequentialRules); break;
        }
    }

#pragma warning disable CA2255 // a module initializer is the point: persistence finds models without knowing them
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        foreach (var kind in All) SessionModelRegistry.Register(kind.Name, (reader, _) => kind.Read(reader));
    }
}
