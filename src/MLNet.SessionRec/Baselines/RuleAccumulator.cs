namespace MLNet.SessionRec.Baselines;

/// <summary>
/// Sums weights of item -> item rules, remembering for each source the order in which its rules were created, then
/// keeps the strongest rules per source (equal weights: the earlier created first, like Python's Counter.most_common).
/// </summary>
internal sealed class RuleAccumulator(int itemCount)
{
    private readonly Dictionary<int, int>?[] _slotOf = new Dictionary<int, int>?[itemCount];
    private readonly List<int>?[] _targets = new List<int>?[itemCount];
    private readonly List<double>?[] _weights = new List<double>?[itemCount];

    /// <summary>Adds <paramref name="weight"/> to the rule <paramref name="source"/> -> <paramref name="target"/>.</summary>
    public void Add(int source, int target, double weight)
    {
        var slots = _slotOf[source] ??= new Dictionary<int, int>();
        if (!slots.TryGetValue(target, out int slot))
        {
            slot = slots.Count;
            slots.Add(target, slot);
            (_targets[source] ??= new List<int>()).Add(target);
            (_weights[source] ??= new List<double>()).Add(0);
        }
        _weights[source]![slot] += weight;
    }

    /// <summary>The table with at most <paramref name="keep"/> rules per source (0 = all), strongest first.</summary>
    public ItemRuleTable Build(int keep)
    {
        var offsets = new int[itemCount + 1];
        var targets = new List<int>();
        var weights = new List<float>();
        for (int i = 0; i < itemCount; i++)
        {
            if (_targets[i] is { } t)
            {
                var w = _weights[i]!;
                var order = Enumerable.Range(0, t.Count).OrderByDescending(k => w[k]).ThenBy(k => k); // stable: creation order
                foreach (int k in keep > 0 ? order.Take(keep) : order)
                {
                    targets.Add(t[k]);
                    weights.Add((float)w[k]);
                }
            }
            offsets[i + 1] = targets.Count;
        }
        return new ItemRuleTable(offsets, targets.ToArray(), weights.ToArray());
    }
}
