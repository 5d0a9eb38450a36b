using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec.Baselines;

/// <summary>POP: every item scores its number of training events, whatever the session.</summary>
public sealed class PopularityModel : ISavableSessionModel
{
    /// <summary>The model kind in saved models.</summary>
    internal const string Kind = "pop";

    private readonly float[] _scores;

    private PopularityModel(ItemVocabulary items, float[] scores)
    {
        if (scores.Length != items.Count) throw ModelBinary.Invalid($"POP model has {scores.Length} scores for {items.Count} items.");
        Items = items;
        _scores = scores;
    }

    /// <inheritdoc/>
    public string Name => "pop";

    /// <inheritdoc/>
    public string ModelKind => Kind;

    /// <inheritdoc/>
    public ItemVocabulary Items { get; }

    /// <summary>The score of item <paramref name="item"/> (its training support).</summary>
    public float Score(int item) => _scores[item];

    /// <summary>Counts the training events of every item of <paramref name="train"/>.</summary>
    public static PopularityModel Train(SessionDataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        return new PopularityModel(train.Items, Array.ConvertAll(Supports.Count(train), s => (float)s));
    }

    /// <inheritdoc/>
    public ISessionScorer CreateScorer(int slots) => new Scorer(_scores, slots);

    /// <inheritdoc/>
    public void Write(BinaryWriter writer)
    {
        ModelBinary.WriteVocabulary(writer, Items);
        foreach (float s in _scores) writer.Write(s);
    }

    /// <summary>Reads the body written by <see cref="Write"/>.</summary>
    internal static PopularityModel Read(BinaryReader reader)
    {
        var items = ModelBinary.ReadVocabulary(reader);
        ModelBinary.CheckFits(reader, items.Count, sizeof(float), "the popularity scores' count");
        var scores = new float[items.Count];
        for (int i = 0; i < scores.Length; i++) scores[i] = reader.ReadSingle();
        return new PopularityModel(items, scores);
    }

    private sealed class Scorer(float[] popularity, int slots) : RowSessionScorer(slots, popularity.Length)
    {
        public override void ResetSlot(int slot) { } // stateless: every session gets the same scores

        protected override void Observe(int slot, int item) { }

        protected override void ScoreRow(int slot, Span<float> row) => popularity.CopyTo(row);
    }
}

/// <summary>Support counting shared by the popularity baselines.</summary>
internal static class Supports
{
    /// <summary>Number of events of each item in <paramref name="train"/> (the data, not the vocabulary's stored supports).</summary>
    public static long[] Count(SessionDataset train)
    {
        var counts = new long[train.Items.Count];
        for (int s = 0; s < train.SessionCount; s++)
            foreach (int item in train.GetSession(s)) counts[item]++;
        return counts;
    }
}
