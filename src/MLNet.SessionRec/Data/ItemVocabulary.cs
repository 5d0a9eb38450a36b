namespace MLNet.SessionRec.Data;

/// <summary>
/// Maps the user's item ids to dense indices 0..Count-1 and keeps each item's support (number of training events).
/// Dense indices are assigned in order of first appearance in the (session, time) ordered training events.
/// </summary>
public sealed class ItemVocabulary
{
    private readonly List<string> _ids = new();
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<long> _support = new();

    /// <summary>Number of items.</summary>
    public int Count => _ids.Count;

    /// <summary>The original id of the item at <paramref name="index"/>.</summary>
    public string GetId(int index) => _ids[index];

    /// <summary>Looks up the dense index of an item id.</summary>
    public bool TryGetIndex(string id, out int index) => _index.TryGetValue(id, out index);

    /// <summary>Looks up the dense index of an item id given as characters (no string is allocated).</summary>
    public bool TryGetIndex(ReadOnlySpan<char> id, out int index) =>
        _index.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(id, out index);

    /// <summary>Number of training events of the item at <paramref name="index"/>.</summary>
    public long GetSupport(int index) => _support[index];

    /// <summary>Supports of all items, indexed by dense index.</summary>
    public long[] GetSupports() => _support.ToArray();

    /// <summary>All ids in dense index order.</summary>
    public IReadOnlyList<string> Ids => _ids;

    /// <summary>Returns the index of <paramref name="id"/>, adding it with zero support when new.</summary>
    internal int GetOrAdd(ReadOnlySpan<char> id)
    {
        var lookup = _index.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(id, out int index)) return index;
        return GetOrAdd(id.ToString());
    }

    /// <summary>Returns the index of <paramref name="id"/>, adding it with zero support when new.</summary>
    internal int GetOrAdd(string id)
    {
        if (_index.TryGetValue(id, out int index)) return index;
        index = _ids.Count;
        _ids.Add(id);
        _index.Add(id, index);
        _support.Add(0);
        return index;
    }

    internal void AddSupport(int index, long count = 1) => _support[index] += count;

    /// <summary>Builds a vocabulary from ids and supports (used by model loading).</summary>
    public static ItemVocabulary FromIds(IEnumerable<string> ids, IEnumerable<long>? supports = null)
    {
        var vocabulary = new ItemVocabulary();
        foreach (var id in ids)
        {
            if (vocabulary._index.ContainsKey(id)) throw new ArgumentException($"Duplicate item id '{id}' in vocabulary.", nameof(ids));
            vocabulary.GetOrAdd(id);
        }
        if (supports != null)
        {
            int i = 0;
            foreach (var s in supports)
            {
                if (i >= vocabulary.Count) throw new ArgumentException("More supports than ids.", nameof(supports));
                vocabulary._support[i++] = s;
            }
            if (i != vocabulary.Count) throw new ArgumentException("Fewer supports than ids.", nameof(supports));
        }
        return vocabulary;
    }
}
