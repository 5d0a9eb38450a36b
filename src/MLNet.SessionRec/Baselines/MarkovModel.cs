using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec.Baselines;

/// <summary>Settings of <see cref="MarkovModel"/>.</summary>
public sealed class MarkovOptions
{
    /// <summary>The defaults, also used by the catalog's default arguments.</summary>
    internal static class Defaults
    {
        public const int Pruning = 20;
    }

    /// <summary>Transitions kept per item, strongest first; 0 keeps all. Default 20.</summary>
    public int Pruning { get; set; } = Defaults.Pruning;
}

/// <summary>
/// First-order Markov chain: the score of j after item i is the number of training transitions i -> j (consecutive
/// events of a session, repeats included), keeping the <see cref="MarkovOptions.Pruning"/> strongest per item.
/// </summary>
public sealed class MarkovModel : LastItemModel
{
    /// <summary>The model kind in saved models.</summary>
    internal const string Kind = "markov";

    private MarkovModel(ItemVocabulary items, ItemRuleTable rules, MarkovOptions options) : base(items, rules) => Options = options;

    /// <summary>The settings the model was trained with.</summary>
    public MarkovOptions Options { get; }

    /// <inheritdoc/>
    public override string Name => "markov";

    /// <inheritdoc/>
    public override string ModelKind => Kind;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for invalid options (checked before any data is read).</summary>
    internal static void Check(MarkovOptions options)
    {
        if (options.Pruning < 0) throw new ArgumentOutOfRangeException(nameof(options), $"Pruning must be >= 0 (got {options.Pruning}).");
    }

    /// <summary>Counts the transitions of <paramref name="train"/>.</summary>
    public static MarkovModel Train(SessionDataset train, MarkovOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        options ??= new MarkovOptions();
        Check(options);
        var rules = new RuleAccumulator(train.Items.Count);
        foreach (int s in TrainingOrder.Sessions(train))
        {
            var events = train.GetSession(s);
            for (int q = 1; q < events.Length; q++) rules.Add(events[q - 1], events[q], 1);
        }
        return new MarkovModel(train.Items, rules.Build(options.Pruning), new MarkovOptions { Pruning = options.Pruning });
    }

    private protected override void WriteOptions(BinaryWriter writer) => writer.Write(Options.Pruning);

    /// <summary>Reads the body written by <see cref="LastItemModel.Write"/>.</summary>
    internal static MarkovModel Read(BinaryReader reader)
    {
        var items = ModelBinary.ReadVocabulary(reader);
        var options = new MarkovOptions { Pruning = reader.ReadInt32() };
        return new MarkovModel(items, ItemRuleTable.Read(reader, items.Count), options);
    }
}
