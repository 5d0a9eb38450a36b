using Microsoft.ML.Runtime;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec.Baselines;

/// <summary>The classic session baselines of the GRU4Rec paper and session-rec.</summary>
public enum SessionBaseline
{
    /// <summary>POP ("pop"): most popular training items.</summary>
    Popularity,

    /// <summary>S-POP ("spop"): items popular in the current session, then in training.</summary>
    SessionPopularity,

    /// <summary>Item-KNN ("itemknn"): items co-occurring in sessions with the last item.</summary>
    ItemKnn,

    /// <summary>First-order Markov chain ("markov") on the last item.</summary>
    Markov,

    /// <summary>AR ("ar"): association rules of the last item.</summary>
    AssociationRules,

    /// <summary>SR ("sr"): sequential rules of the last item.</summary>
    SequentialRules,

    /// <summary>S-KNN ("sknn"): session-based kNN over recent sessions sharing the session's items.</summary>
    SessionKnn,

    /// <summary>V-SKNN ("vsknn"): vector multiplication session kNN (position-weighted session, decayed neighbours, IDF).</summary>
    VectorSessionKnn,

    /// <summary>S-SKNN ("ssknn"): sequence-aware session kNN.</summary>
    SequentialSessionKnn,

    /// <summary>STAN ("stan"): sequence- and time-aware neighbourhood.</summary>
    Stan,

    /// <summary>V-STAN ("vstan"): STAN with V-SKNN's item weighting and IDF.</summary>
    VStan,
}

/// <summary>Estimator of a session baseline (<see cref="SessionBaseline"/>); trained in one pass over the events.</summary>
public sealed class SessionBaselineTrainer : SessionTrainerBase<SessionBaselineTrainer.Options>
{
    /// <summary>Options of a baseline trainer: columns plus the baseline and its parameters.</summary>
    public sealed class Options : SessionTrainerOptions
    {
        /// <summary>Which baseline to train. Default Item-KNN.</summary>
        public SessionBaseline Baseline { get; set; } = SessionBaseline.ItemKnn;

        /// <summary>Item-KNN parameters (used when <see cref="Baseline"/> is ItemKnn).</summary>
        public ItemKnnOptions ItemKnn { get; set; } = new();

        /// <summary>Markov parameters.</summary>
        public MarkovOptions Markov { get; set; } = new();

        /// <summary>Association-rule parameters.</summary>
        public AssociationRulesOptions AssociationRules { get; set; } = new();

        /// <summary>Sequential-rule parameters.</summary>
        public SequentialRulesOptions SequentialRules { get; set; } = new();

        /// <summary>S-KNN parameters.</summary>
        public SessionKnnOptions SessionKnn { get; set; } = new();

        /// <summary>V-SKNN parameters.</summary>
        public VectorSessionKnnOptions VectorSessionKnn { get; set; } = new();

        /// <summary>S-SKNN parameters.</summary>
        public SequentialSessionKnnOptions SequentialSessionKnn { get; set; } = new();

        /// <summary>STAN parameters.</summary>
        public StanOptions Stan { get; set; } = new();

        /// <summary>V-STAN parameters.</summary>
        public VStanOptions VStan { get; set; } = new();

        /// <summary>The parameters of the selected baseline by name (for reports), e.g. neighbors, lambda, alpha.</summary>
        public IReadOnlyDictionary<string, object> GetParameters() => BaselineKinds.Of(Baseline).Parameters(this);
    }

    internal SessionBaselineTrainer(IHostEnvironment env, Options options) : base(env, options, nameof(SessionBaselineTrainer))
    {
        CheckOptions(); // fail at construction, not after reading the data (Fit checks again)
    }

    private protected override void CheckTrainerOptions()
    {
        if (!Enum.IsDefined(TrainerOptions.Baseline))
            throw new ArgumentOutOfRangeException(nameof(Options.Baseline), TrainerOptions.Baseline, "Unknown baseline.");
        ArgumentNullException.ThrowIfNull(TrainerOptions.ItemKnn, nameof(Options.ItemKnn));
        ArgumentNullException.ThrowIfNull(TrainerOptions.Markov, nameof(Options.Markov));
        ArgumentNullException.ThrowIfNull(TrainerOptions.AssociationRules, nameof(Options.AssociationRules));
        ArgumentNullException.ThrowIfNull(TrainerOptions.SequentialRules, nameof(Options.SequentialRules));
        BaselineKinds.CheckOptions(TrainerOptions);
    }

    /// <summary>Trains on sessions already read (e.g. with <see cref="SessionFileReader"/>), without an ML.NET pipeline.</summary>
    public ISavableSessionModel Train(SessionDataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        CheckOptions();
        MLNetInternals.CheckAlive(Host);
        using var ch = Host.Start("Training");
        return (ISavableSessionModel)Train(train, null, ch);
    }

    private protected override ISessionModel Train(SessionDataset train, SessionDataset? validation, IChannel ch)
    {
        var model = BaselineKinds.Of(TrainerOptions.Baseline).Train(train, TrainerOptions);
        if (validation != null) ch.Info(MessageSensitivity.None, $"{model.Name}: validation data is not used by baselines (no epochs).");
        ch.Info(MessageSensitivity.None, $"Trained {model.Name} on {train.EventCount} events.");
        return model;
    }
}

/// <summary>The baselines' names as the sample app and reports use them ("pop", "spop", "itemknn", "markov", "ar", "sr", "sknn", "vsknn", "ssknn", "stan", "vstan").</summary>
public static class SessionBaselines
{
    /// <summary>Every baseline's name, in <see cref="SessionBaseline"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = BaselineKinds.All.Select(k => k.Name).ToArray();

    /// <summary>The name of <paramref name="baseline"/> (also its model's <see cref="ISessionModel.Name"/>).</summary>
    public static string Name(SessionBaseline baseline) => BaselineKinds.Of(baseline).Name;

    /// <summary>The baseline named <paramref name="name"/>, if any.</summary>
    public static bool TryParse(string name, out SessionBaseline baseline)
    {
        var kind = BaselineKinds.All.FirstOrDefault(k => string.Equals(k.Name, name, StringComparison.OrdinalIgnoreCase));
        baseline = kind?.Baseline ?? default;
        return kind is not null;
    }
}
