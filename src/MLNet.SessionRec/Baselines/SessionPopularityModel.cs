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
        if (supports.Length != items.Count) throw new InvalidDataException($"S-POP model has {supports.Length} supports for {items.Count} items.");
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
        var supports = new long[items.Count];
        for (int i = 0; i < supports.Length; i++)
            if ((supports[i] = reader.ReadInt64()) < 0) throw new InvalidDataException($"Negative support {supports[i]} for item {i}.");
        return new SessionPopularityModel(items, supports);
    }

    private sealed class Scorer : ISessionScorer
    {
        private readonly float[] _prior;
        private readonly Dictionary<int, int>[] _seen; // per slot: item -> occurrences in the current session

        public Scorer(float[] prior, int slots)
        {
            _prior = prior;
            _seen = new Dictionary<int, int>[slots];
            for (int s = 0; s < slots; s++) _seen[s] = new Dictionary<int, int>();
        }

        public int Slots => _seen.Length;

        public void ResetSlot(int slot) => _seen[slot].Clear();

        public void Step(ReadOnlySpan<int> items, Span<float> scores)
        {
            int n = _prior.Length;
            if (items.Length != Slots || scores.Length != Slots * n) throw new ArgumentException("Span sizes do not match the scorer.");
            for (int s = 0; s < Slots; s++)
            {
                int item = items[s];
                if (item < 0) continue;
                if (item >= n) throw new ArgumentOutOfRangeException(nameof(items), $"Item index {item} is outside the vocabulary of {n}.");
                var seen = _seen[s];
                seen[item] = seen.GetValueOrDefault(item) + 1;
                var row = scores.Slice(s * n, n);
                _prior.CopyTo(row);
                foreach (var (i, count) in seen) row[i] = (float)(count + _prior[i]);
            }
        }

        public void Dispose() { }
    }
}
