using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec.Baselines;

/// <summary>Weight of a sequential rule as a function of the gap d = q - p between its two events (session-rec names).</summary>
public enum SequentialRuleWeighting
{
    /// <summary>1 / d (session-rec's default).</summary>
    Div,
    /// <summary>1 for every gap.</summary>
    Same,
    /// <summary>1 - 0.1 d for d ≤ 100, else 0.</summary>
    Linear,
    /// <summary>1 / log10(d + 1.7).</summary>
    Log,
    /// <summary>1 / d².</summary>
    Quadratic,
}

/// <summary>Settings of <see cref="SequentialRulesModel"/>.</summary>
public sealed class SequentialRulesOptions
{
    /// <summary>The defaults, also used by the catalog's default arguments.</summary>
    internal static class Defaults
    {
        public const int Pruning = 20;
        public const int Steps = 10;
        public const SequentialRuleWeighting Weighting = SequentialRuleWeighting.Div;
    }

    /// <summary>Rules kept per item, strongest first; 0 keeps all. Default 20 (session-rec).</summary>
    public int Pruning { get; set; } = Defaults.Pruning;

    /// <summary>Largest gap q - p between the events of a rule. Default 10 (session-rec).</summary>
    public int Steps { get; set; } = Defaults.Steps;

    /// <summary>Weight of a rule by its gap. Default <see cref="SequentialRuleWeighting.Div"/> (session-rec).</summary>
    public SequentialRuleWeighting Weighting { get; set; } = Defaults.Weighting;
}

/// <summary>
/// Sequential rules (SR) as in session-rec: for events a at position p and b at q of a training session with
/// 0 &lt; q - p ≤ Steps, the rule a -> b gains weight(q - p); the score of j after item i is the weight of i -> j,
/// keeping the <see cref="SequentialRulesOptions.Pruning"/> strongest per item.
/// </summary>
public sealed class SequentialRulesModel : LastItemModel
{
    /// <summary>The model kind in saved models.</summary>
    internal const string Kind = "sr";

    private SequentialRulesModel(ItemVocabulary items, ItemRuleTable rules, SequentialRulesOptions options) : base(items, rules) => Options = options;

    /// <summary>The settings the model was trained with.</summary>
    public SequentialRulesOptions Options { get; }

    /// <inheritdoc/>
    public override string Name => "sr";

    /// <inheritdoc/>
    public override string ModelKind => Kind;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for invalid options (checked before any data is read).</summary>
    internal static void Check(SequentialRulesOptions options)
    {
        if (options.Pruning < 0) throw new ArgumentOutOfRangeException(nameof(options), $"Pruning must be >= 0 (got {options.Pruning}).");
        if (options.Steps < 1) throw new ArgumentOutOfRangeException(nameof(options), $"Steps must be >= 1 (got {options.Steps}).");
        if (!Enum.IsDefined(options.Weighting)) throw new ArgumentOutOfRangeException(nameof(options), $"Unknown weighting {options.Weighting}.");
    }

    /// <summary>Collects the sequential rules of <paramref name="train"/>.</summary>
    public static SequentialRulesModel Train(SessionDataset train, SequentialRulesOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        options ??= new SequentialRulesOptions();
        Check(options);
        var rules = new RuleAccumulator(train.Items.Count);
        foreach (int s in TrainingOrder.Sessions(train))
        {
            var events = train.GetSession(s);
            for (int q = 1; q < events.Length; q++)
                for (int gap = 1; gap <= Math.Min(options.Steps, q); gap++) // nearest predecessor first, as session-rec
                    rules.Add(events[q - gap], events[q], Weight(options.Weighting, gap));
        }
        var copy = new SequentialRulesOptions { Pruning = options.Pruning, Steps = options.Steps, Weighting = options.Weighting };
        return new SequentialRulesModel(train.Items, rules.Build(options.Pruning), copy);
    }

    private static double Weight(SequentialRuleWeighting weighting, int gap) => weighting switch
    {
        SequentialRuleWeighting.Div => 1.0 / gap,
        SequentialRuleWeighting.Same => 1.0,
        SequentialRuleWeighting.Linear => gap <= 100 ? 1 - 0.1 * gap : 0,
        SequentialRuleWeighting.Log => 1 / Math.Log10(gap + 1.7),
        SequentialRuleWeighting.Quadratic => 1.0 / ((double)gap * gap),
        _ => throw new ArgumentOutOfRangeException(nameof(weighting)),
    };

    private protected override void WriteOptions(BinaryWriter writer)
    {
        writer.Write(Options.Pruning);
        writer.Write(Options.Steps);
        writer.Write((int)Options.Weighting);
    }

    /// <summary>Reads the body written by <see cref="LastItemModel.Write"/>.</summary>
    internal static SequentialRulesModel Read(BinaryReader reader)
    {
        var items = ModelBinary.ReadVocabulary(reader);
        var options = new SequentialRulesOptions { Pruning = reader.ReadInt32(), Steps = reader.ReadInt32(), Weighting = (SequentialRuleWeighting)reader.ReadInt32() };
        if (!Enum.IsDefined(options.Weighting)) throw ModelBinary.Invalid($"Unknown sequential rule weighting {(int)options.Weighting}.");
        return new SequentialRulesModel(items, ItemRuleTable.Read(reader, items.Count), options);
    }
}
