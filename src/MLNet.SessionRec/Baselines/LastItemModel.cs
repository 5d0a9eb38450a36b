using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec.Baselines;

/// <summary>
/// Base of the baselines that score from the session's last item only (Item-KNN, Markov, AR, SR): item j scores
/// the weight of the rule last -> j, and items without a rule score 0 (under conservative ties never a hit).
/// </summary>
public abstract class LastItemModel : ISavableSessionModel
{
    private protected LastItemModel(ItemVocabulary items, ItemRuleTable rules)
    {
        if (rules.ItemCount != items.Count) throw new ArgumentException("Rule table and vocabulary disagree in size.");
        Items = items;
        Rules = rules;
    }

    internal ItemRuleTable Rules { get; }

    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public abstract string ModelKind { get; }

    /// <inheritdoc/>
    public ItemVocabulary Items { get; }

    /// <summary>Number of rules (item pairs with a score) kept after pruning.</summary>
    public int RuleCount => Rules.Targets.Length;

    /// <summary>The score of <paramref name="next"/> after <paramref name="last"/> (dense indices); 0 when no rule.</summary>
    public float Score(int last, int next) => Rules.Weight(last, next);

    /// <inheritdoc/>
    public ISessionScorer CreateScorer(int slots) => new Scorer(Rules, slots);

    /// <inheritdoc/>
    public void Write(BinaryWriter writer)
    {
        ModelBinary.WriteVocabulary(writer, Items);
        WriteOptions(writer);
        Rules.Write(writer);
    }

    /// <summary>Writes the model's options (between the vocabulary and the rule table).</summary>
    private protected abstract void WriteOptions(BinaryWriter writer);

    private sealed class Scorer : RowSessionScorer
    {
        private readonly ItemRuleTable _rules;
        private readonly int[] _last; // per slot: the session's last item, -1 before the first

        public Scorer(ItemRuleTable rules, int slots) : base(slots, rules.ItemCount)
        {
            _rules = rules;
            _last = new int[slots];
            Array.Fill(_last, -1);
        }

        public override void ResetSlot(int slot) => _last[slot] = -1;

        protected override void Observe(int slot, int item) => _last[slot] = item;

        protected override void ScoreRow(int slot, Span<float> row)
        {
            row.Clear();
            int last = _last[slot];
            if (last < 0) return;
            var targets = _rules.TargetsOf(last);
            var weights = _rules.WeightsOf(last);
            for (int k = 0; k < targets.Length; k++) row[targets[k]] = weights[k];
        }

        protected override void WriteSlotState(int slot, BinaryWriter writer) => writer.Write(_last[slot]);

        protected override void ReadSlotState(int slot, BinaryReader reader)
        {
            int last = reader.ReadInt32();
            if (last < -1 || last >= ItemCount) throw new InvalidDataException($"The session state's last item {last} is outside the model's {ItemCount} items.");
            _last[slot] = last;
        }
    }
}
