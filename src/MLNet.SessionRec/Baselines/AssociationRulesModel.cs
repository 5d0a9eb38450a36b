using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec.Baselines;

/// <summary>Settings of <see cref="AssociationRulesModel"/>.</summary>
public sealed class AssociationRulesOptions
{
    /// <summary>The defaults, also used by the catalog's default arguments.</summary>
    internal static class Defaults
    {
        public const int Pruning = 20;
    }

    /// <summary>Rules kept per item, strongest first; 0 keeps all. Default 20 (session-rec).</summary>
    public int Pruning { get; set; } = Defaults.Pruning;
}

/// <summary>
/// Association rules (AR) as in session-rec: for every ordered pair of events (a before b) of a training session,
/// the rules a -> b and b -> a each gain 1 (a pair of equal items gains 2 on its self rule); the score of j after
/// item i is the weight of i -> j, keeping the <see cref="AssociationRulesOptions.Pruning"/> strongest per item.
/// </summary>
public sealed class AssociationRulesModel : LastItemModel
{
    /// <summary>The model kind in saved models.</summary>
    internal const string Kind = "ar";

    private AssociationRulesModel(ItemVocabulary items, ItemRuleTable rules, AssociationRulesOptions options) : base(items, rules) => Options = options;

    /// <summary>The settings the model was trained with.</summary>
    public AssociationRulesOptions Options { get; }

    /// <inheritdoc/>
    public override string Name => "ar";

    /// <inheritdoc/>
    public override string ModelKind => Kind;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for invalid options (checked before any data is read).</summary>
    internal static void Check(AssociationRulesOptions options)
    {
        if (options.Pruning < 0) throw new ArgumentOutOfRangeException(nameof(options), $"Pruning must be >= 0 (got {options.Pruning}).");
    }

    /// <summary>Counts the co-occurrence rules of <paramref name="train"/>.</summary>
    public static AssociationRulesModel Train(SessionDataset train, AssociationRulesOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        options ??= new AssociationRulesOptions();
        Check(options);
        var rules = new RuleAccumulator(train.Items.Count);
        foreach (int s in TrainingOrder.Sessions(train))
        {
            var events = train.GetSession(s);
            for (int q = 1; q < events.Length; q++)
                for (int p = 0; p < q; p++)
                {
                    rules.Add(events[p], events[q], 1);
                    rules.Add(events[q], events[p], 1);
                }
        }
        return new AssociationRulesModel(train.Items, rules.Build(options.Pruning), new AssociationRulesOptions { Pruning = options.Pruning });
    }

    private protected override void WriteOptions(BinaryWriter writer) => writer.Write(Options.Pruning);

    /// <summary>Reads the body written by <see cref="LastItemModel.Write"/>.</summary>
    internal static AssociationRulesModel Read(BinaryReader reader)
    {
        var items = ModelBinary.ReadVocabulary(reader);
        var options = new AssociationRulesOptions { Pruning = reader.ReadInt32() };
        return new AssociationRulesModel(items, ItemRuleTable.Read(reader, items.Count), options);
    }
}
