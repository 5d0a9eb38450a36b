using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec.Baselines;

/// <summary>Sparse item -> item scores in CSR form: row i lists the items that item i recommends and their weights.</summary>
internal sealed class ItemRuleTable
{
    public ItemRuleTable(int[] offsets, int[] targets, float[] weights)
    {
        if (offsets.Length == 0 || offsets[0] != 0 || offsets[^1] != targets.Length || targets.Length != weights.Length)
            throw ModelBinary.Invalid("Inconsistent item rule table.");
        for (int i = 1; i < offsets.Length; i++)
            if (offsets[i] < offsets[i - 1]) throw ModelBinary.Invalid("Inconsistent item rule table (offsets decrease).");
        int items = offsets.Length - 1;
        foreach (int t in targets)
            if ((uint)t >= (uint)items) throw ModelBinary.Invalid($"Item rule table refers to item {t} of {items}.");
        Offsets = offsets;
        Targets = targets;
        Weights = weights;
    }

    public int[] Offsets { get; }
    public int[] Targets { get; }
    public float[] Weights { get; }

    public int ItemCount => Offsets.Length - 1;

    public ReadOnlySpan<int> TargetsOf(int item) => Targets.AsSpan(Offsets[item], Offsets[item + 1] - Offsets[item]);

    public ReadOnlySpan<float> WeightsOf(int item) => Weights.AsSpan(Offsets[item], Offsets[item + 1] - Offsets[item]);

    /// <summary>The weight of the rule <paramref name="source"/> -> <paramref name="target"/>, 0 when absent.</summary>
    public float Weight(int source, int target)
    {
        var t = TargetsOf(source);
        int k = t.IndexOf(target);
        return k < 0 ? 0f : WeightsOf(source)[k];
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(ItemCount);
        writer.Write(Targets.Length);
        foreach (int o in Offsets) writer.Write(o);
        foreach (int t in Targets) writer.Write(t);
        foreach (float w in Weights) writer.Write(w);
    }

    public static ItemRuleTable Read(BinaryReader reader, int expectedItems)
    {
        int items = reader.ReadInt32(), rules = reader.ReadInt32();
        if (items != expectedItems) throw ModelBinary.Invalid($"Item rule table has {items} items; the vocabulary has {expectedItems}.");
        if (rules < 0) throw ModelBinary.Invalid($"invalid rule count {rules}.");
        // offsets (items + 1 int32), then targets (int32) and weights (float32) per rule
        ModelBinary.CheckFits(reader, rules, sizeof(int) + sizeof(float), "the item rule table's rule count");
        ModelBinary.CheckFits(reader, (long)items + 1 + 2L * rules, sizeof(int), "the item rule table's size (in int32)", long.MaxValue);
        var offsets = new int[items + 1];
        for (int i = 0; i < offsets.Length; i++) offsets[i] = reader.ReadInt32();
        var targets = new int[rules];
        for (int i = 0; i < rules; i++) targets[i] = reader.ReadInt32();
        var weights = new float[rules];
        for (int i = 0; i < rules; i++) weights[i] = reader.ReadSingle();
        return new ItemRuleTable(offsets, targets, weights);
    }
}
