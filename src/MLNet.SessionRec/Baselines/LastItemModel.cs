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

    private sealed class Scorer(ItemRuleTable rules, int slots) : ISessionScorer
    {
        public int Slots => slots;

        public void ResetSlot(int slot) { } // stateless: only the current item matters

        public void Step(ReadOnlySpan<int> items, Span<float> scores)
        {
            int n = rules.ItemCount;
            if (items.Length != slots || scores.Length != slots * n) throw new ArgumentException("Span sizes do not match the scorer.");
            for (int s = 0; s < slots; s++)
            {
                int last = items[s];
                if (last < 0) continue;
                if (last >= n) throw new ArgumentOutOfRangeException(nameof(items), $"Item index {last} is outside the vocabulary of {n}.");
                var row = scores.Slice(s * n, n);
                row.Clear();
                var targets = rules.TargetsOf(last);
                var weights = rules.WeightsOf(last);
                for (int k = 0; k < targets.Length; k++) row[targets[k]] = weights[k];
            }
        }

        public void Dispose() { }
    }
}
