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
    ];

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
