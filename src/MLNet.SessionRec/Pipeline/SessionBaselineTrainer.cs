using Microsoft.ML.Runtime;
using MLNet.SessionRec.Baselines;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Evaluation;

namespace MLNet.SessionRec.Pipeline;

/// <summary>The classic session baselines of the GRU4Rec paper and session-rec.</summary>
public enum SessionBaseline
{
    /// <summary>POP: most popular training items.</summary>
    Popularity,

    /// <summary>S-POP: items popular in the current session, then in training.</summary>
    SessionPopularity,

    /// <summary>Item-KNN: items co-occurring in sessions with the last item.</summary>
    ItemKnn,

    /// <summary>First-order Markov chain on the last item.</summary>
    Markov,

    /// <summary>AR: association rules of the last item.</summary>
    AssociationRules,

    /// <summary>SR: sequential rules of the last item.</summary>
    SequentialRules,
}

/// <summary>Estimator of a session baseline (<see cref="SessionBaseline"/>); trained in one pass over the events.</summary>
public sealed class SessionBaselineTrainer : SessionTrainerBase<SessionBaselineTrainer.Options>
{
    /// <summary>Options of a baseline trainer: columns plus the baseline and its parameters.</summary>
    public sealed class Options : SessionTrainerOptions
    {
        /// <summary>Which baseline to train.</summary>
        public SessionBaseline Baseline { get; set; } = SessionBaseline.ItemKnn;

        /// <summary>Item-KNN parameters (used when <see cref="Baseline"/> is ItemKnn).</summary>
        public ItemKnnOptions ItemKnn { get; set; } = new();

        /// <summary>Markov parameters.</summary>
        public MarkovOptions Markov { get; set; } = new();

        /// <summary>Association-rule parameters.</summary>
        public AssociationRulesOptions AssociationRules { get; set; } = new();

        /// <summary>Sequential-rule parameters.</summary>
        public SequentialRulesOptions SequentialRules { get; set; } = new();
    }

    internal SessionBaselineTrainer(IHostEnvironment env, Options options) : base(env, options, nameof(SessionBaselineTrainer))
    {
        if (!Enum.IsDefined(options.Baseline)) throw new ArgumentOutOfRangeException(nameof(options), options.Baseline, "Unknown baseline.");
    }

    private protected override ISessionModel Train(SessionDataset train, SessionDataset? validation, IChannel ch)
    {
        var o = TrainerOptions;
        ISessionModel model = o.Baseline switch
        {
            SessionBaseline.Popularity => PopularityModel.Train(train),
            SessionBaseline.SessionPopularity => SessionPopularityModel.Train(train),
            SessionBaseline.ItemKnn => ItemKnnModel.Train(train, o.ItemKnn),
            SessionBaseline.Markov => MarkovModel.Train(train, o.Markov),
            SessionBaseline.AssociationRules => AssociationRulesModel.Train(train, o.AssociationRules),
            _ => SequentialRulesModel.Train(train, o.SequentialRules),
        };
        if (validation != null) ch.Info(MessageSensitivity.None, $"{model.Name}: validation data is not used by baselines (no epochs).");
        ch.Info(MessageSensitivity.None, $"Trained {model.Name} on {train.EventCount} events.");
        return model;
    }
}
