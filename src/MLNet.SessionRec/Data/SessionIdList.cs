using System.Collections;
using System.Globalization;

namespace MLNet.SessionRec.Data;

/// <summary>
/// Session ids stored compactly: 4 bytes each when all are canonical 32-bit integers, 8 when 64-bit, else strings.
/// The text is made on access.
/// </summary>
internal sealed class SessionIdList : IReadOnlyList<string>
{
    private readonly int[]? _int32;
    private readonly long[]? _int64;
    private readonly string[]? _text;

    public SessionIdList(string[] ids) => _text = ids;

    private SessionIdList(int[]? int32, long[]? int64) { _int32 = int32; _int64 = int64; }

    /// <summary>Numeric ids, narrowed to 32 bits when they all fit.</summary>
    public static SessionIdList FromNumbers(long[] ids)
    {
        foreach (long id in ids)
            if (id is < int.MinValue or > int.MaxValue) return new SessionIdList(null, ids);
        var narrow = new int[ids.Length];
        for (int i = 0; i < ids.Length; i++) narrow[i] = (int)ids[i];
        return new SessionIdList(narrow, null);
    }

    /// <summary>The ids at <paramref name="positions"/>, in that order, stored the same way.</summary>
    public SessionIdList Select(ReadOnlySpan<int> positions)
    {
        if (_int32 != null) { var a = new int[positions.Length]; for (int i = 0; i < a.Length; i++) a[i] = _int32[positions[i]]; return new SessionIdList(a, null); }
        if (_int64 != null) { var a = new long[positions.Length]; for (int i = 0; i < a.Length; i++) a[i] = _int64[positions[i]]; return new SessionIdList(null, a); }
        var t = new string[positions.Length];
        for (int i = 0; i < t.Length; i++) t[i] = _text![positions[i]];
        return new SessionIdList(t);
    }

    /// <summary>Bytes held by the id storage (string objects estimated at 22 + 2 per char).</summary>
    public long StorageBytes =>
        _int32 != null ? 4L * _int32.Length : _int64 != null ? 8L * _int64.Length : _text!.Sum(s => 8L + 22 + 2L * s.Length);

    public int Count => _int32?.Length ?? _int64?.Length ?? _text!.Length;

    public string this[int index] =>
        _int32 != null ? _int32[index].ToString(CultureInfo.InvariantCulture)
        : _int64 != null ? _int64[index].ToString(CultureInfo.InvariantCulture)
        : _text![index];

    public IEnumerator<string> GetEnumerator()
    {
        for (int i = 0; i < Count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
