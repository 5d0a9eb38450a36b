using System.Globalization;

namespace MLNet.SessionRec.Data;

/// <summary>
/// Session ids as they arrive, one entry per run of consecutive equal ids (no hash table, no per-event string).
/// Ids stay numeric (8 bytes a run) while every id is a canonical integer, else they switch to strings once.
/// <see cref="Group"/> merges runs with equal ids into sessions numbered by first appearance.
/// </summary>
internal sealed class SessionIdRuns
{
    private long[] _numeric = new long[1024];
    private string[]? _text;
    private int _count;
    private char[] _last = new char[32];
    private int _lastLength = -1;

    /// <summary>Number of runs.</summary>
    public int Count => _count;

    /// <summary>Returns the run index of <paramref name="id"/>: the current run when it equals the previous id.</summary>
    public int Continue(ReadOnlySpan<char> id)
    {
        if (_lastLength == id.Length && id.SequenceEqual(_last.AsSpan(0, _lastLength))) return _count - 1;
        if (_count == _numeric.Length && _text == null) Array.Resize(ref _numeric, _count * 2);
        if (_text != null && _count == _text.Length) Array.Resize(ref _text, _count * 2);
        if (_text == null && TryParseCanonical(id, out long value)) _numeric[_count] = value;
        else
        {
            if (_text == null) SwitchToText();
            _text![_count] = id.ToString();
        }
        if (_last.Length < id.Length) _last = new char[id.Length * 2];
        id.CopyTo(_last);
        _lastLength = id.Length;
        return _count++;
    }

    /// <summary>The id text of run <paramref name="run"/>.</summary>
    public string GetId(int run) => _text != null ? _text[run] : _numeric[run].ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Maps every run to its session (runs with equal ids share one); sessions are numbered by first appearance.
    /// Returns the session of each run and the first run of each session.
    /// </summary>
    public (int[] SessionOfRun, int[] FirstRunOfSession) Group()
    {
        var runs = new int[_count];
        for (int i = 0; i < _count; i++) runs[i] = i;
        if (_text == null) Array.Sort(_numeric[.._count], runs);
        else Array.Sort(_text[.._count], runs, StringComparer.Ordinal);
        // Within each group of equal ids (unordered by the unstable sort), the smallest run index names the group.
        var firstRun = new int[_count];
        for (int start = 0; start < _count;)
        {
            int end = start + 1;
            while (end < _count && SameId(runs[start], runs[end])) end++;
            int min = runs[start];
            for (int k = start + 1; k < end; k++) min = Math.Min(min, runs[k]);
            for (int k = start; k < end; k++) firstRun[runs[k]] = min;
            start = end;
        }
        var sessionOfRun = runs; // reuse the buffer
        int sessions = 0;
        for (int r = 0; r < _count; r++) sessionOfRun[r] = firstRun[r] == r ? sessions++ : sessionOfRun[firstRun[r]];
        var firstRunOfSession = new int[sessions];
        for (int r = 0; r < _count; r++) if (firstRun[r] == r) firstRunOfSession[sessionOfRun[r]] = r;
        return (sessionOfRun, firstRunOfSession);
    }

    /// <summary>Compact id list of the given runs, in the given order.</summary>
    public SessionIdList Select(int[] runs)
    {
        if (_text != null)
        {
            var ids = new string[runs.Length];
            for (int i = 0; i < runs.Length; i++) ids[i] = _text[runs[i]];
            return new SessionIdList(ids);
        }
        var values = new long[runs.Length];
        for (int i = 0; i < runs.Length; i++) values[i] = _numeric[runs[i]];
        return SessionIdList.FromNumbers(values);
    }

    private bool SameId(int a, int b) => _text != null ? string.Equals(_text[a], _text[b], StringComparison.Ordinal) : _numeric[a] == _numeric[b];

    private void SwitchToText()
    {
        _text = new string[_numeric.Length];
        for (int i = 0; i < _count; i++) _text[i] = _numeric[i].ToString(CultureInfo.InvariantCulture);
        _numeric = [];
    }

    /// <summary>An integer whose invariant text is exactly <paramref name="id"/> (so the text can be restored).</summary>
    internal static bool TryParseCanonical(ReadOnlySpan<char> id, out long value)
    {
        value = 0;
        if (id.Length == 0 || (id.Length > 1 && id[0] == '0')) return false;
        int i = id[0] == '-' ? 1 : 0;
        if (i == id.Length || id.Length - i > 18 || (i == 1 && id[1] == '0')) return false;
        for (; i < id.Length; i++)
        {
            int digit = id[i] - '0';
            if ((uint)digit > 9) return false;
            value = value * 10 + digit; // at most 18 digits: no overflow
        }
        if (id[0] == '-') value = -value;
        return true;
    }
}
