using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec.Baselines;

/// <summary>
/// S-POP (session popularity, as in session-rec): item i scores the number of times it occurred so far in the current
/// session plus <c>supp_i / (1 + supp_i)</c>, so items of the session come first (most repeated first) and global
/// popularity breaks ties and ranks the rest.
/// </summary>
public sealed class SessionPopularityModel : ISavableSessionModel
{
    /// <summary>The model kind in saved models.</summary>
    internal const string Kind = "spop";

    private readonly long[] _supports;
    private readonly float[] _prior;

    private SessionPopularityModel(ItemVocabulary items, long[] supports)
    {
        if (supports.Length != items.Count) throw ModelBinary.Invalid($"S-POP model has {supports.Length} supports for {items.Count} items.");
        Items = items;
        _supports = supports;
        _prior = Array.ConvertAll(supports, s => (float)(s / (1.0 + s)));
    }

    /// <inheritdoc/>
    public string Name => "spop";

    /// <inheritdoc/>
    public string ModelKind => Kind;

    /// <inheritdoc/>
    public ItemVocabulary Items { get; }

    /// <summary>Counts the training events of every item of <paramref name="train"/>.</summary>
    public static SessionPopularityModel Train(SessionDataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        return new SessionPopularityModel(train.Items, Supports.Count(train));
    }

    /// <inheritdoc/>
    public ISessionScorer CreateScorer(int slots) => new Scorer(_prior, slots);

    /// <inheritdoc/>
    public void Write(BinaryWriter writer)
    {
        ModelBinary.WriteVocabulary(writer, Items);
        foreach (long s in _supports) writer.Write(s);
    }

    /// <summary>Reads the body written by <see cref="Write"/>.</summary>
    internal static SessionPopularityModel Read(BinaryReader reader)
    {
        var items = ModelBinary.ReadVocabulary(reader);
        ModelBinary.CheckFits(reader, items.Count, sizeof(long), "the session popularity supports' count");
        var supports = new long[items.Count];
        for (int i = 0; i < supports.Length; i++)
            if ((supports[i] = reader.ReadInt64()) < 0) throw ModelBinary.Invalid($"Negative support {supports[i]} for item {i}.");
        return new SessionPopularityModel(items, supports);
    }

    private sealed class Scorer : RowSessionScorer
    {
        private readonly float[] _prior;
        private readonly Dictionary<int, int>[] _seen; // per slot: item -> occurrences in the current session

        public Scorer(float[] prior, int slots) : base(slots, prior.Length)
        {
            _prior = prior;
            _seen = new Dictionary<int, int>[slots];
            for (int s = 0; s < slots; s++) _seen[s] = new Dictionary<int, int>();
        }

        public override void ResetSlot(int slot) => _seen[slot].Clear();

        protected override void Observe(int slot, int item)
        {
            var seen = _seen[slot];
            seen[item] = seen.GetValueOrDefault(item) + 1;
        }

        protected override void ScoreRow(int slot, Span<float> row)
        {
            _prior.CopyTo(row);
            foreach (var (i, count) in _seen[slot]) row[i] = (float)(count + _prior[i]);
        }

        protected override void WriteSlotState(int slot, BinaryWriter writer)
        {
            var seen = _seen[slot];
            writer.Write(seen.Count);
            foreach (var (i, count) in seen) { writer.Write(i); writer.Write(count); }
        }

        protected override void ReadSlotState(int slot, BinaryReader reader)
        {
            int entries = reader.ReadInt32();
            if (entries < 0) throw new InvalidDataException($"Invalid S-POP session state ({entries} items).");
            var seen = _seen[slot];
            seen.Clear();
            for (int e = 0; e < entries; e++)
            {
                int item = reader.ReadInt32(), count = reader.ReadInt32();
                if ((uint)item >= (uint)ItemCount || count < 1) throw new InvalidDataException($"Invalid S-POP session state entry ({item}, {count}).");
                seen[item] = count;
            }
        }
    }
}
