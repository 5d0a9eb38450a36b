using System.Globalization;

namespace MLNet.SessionRec.Data;

/// <summary>
/// Reads text lines like <see cref="TextReader.ReadLine"/> (terminated by <c>\n</c>, <c>\r\n</c> or <c>\r</c>) but
/// never holds more than <see cref="MaxLineLength"/> characters of one line: a longer line is an
/// <see cref="InvalidDataException"/> naming the source and the line, so a binary file or <c>/dev/zero</c> given as
/// text is a clear error instead of an out-of-memory abort. A byte order mark (U+FEFF) at the very start is skipped,
/// also where the underlying reader did not remove it (standard input).
/// </summary>
public sealed class BoundedLineReader : IDisposable
{
    /// <summary>The default limit on the characters of one line: 1 Mi (1,048,576).</summary>
    public const int DefaultMaxLineLength = 1 << 20;

    private readonly TextReader _reader;
    private readonly bool _leaveOpen;
    private readonly char[] _buffer = new char[1 << 14];
    private readonly System.Text.StringBuilder _line = new();
    private int _position, _length;
    private bool _started, _ended, _broken;

    /// <summary>Reads lines of <paramref name="reader"/>; <paramref name="name"/> names the source in errors.</summary>
    public BoundedLineReader(TextReader reader, string name, int maxLineLength = DefaultMaxLineLength, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineLength, 1);
        _reader = reader;
        Name = name;
        MaxLineLength = maxLineLength;
        _leaveOpen = leaveOpen;
    }

    /// <summary>
    /// Opens <paramref name="path"/> as UTF-8 text (a BOM selects its encoding). A directory is an
    /// <see cref="IOException"/> "X is a directory, not a file"; a missing file a <see cref="FileNotFoundException"/>.
    /// </summary>
    public static BoundedLineReader Open(string path, int maxLineLength = DefaultMaxLineLength)
    {
        if (Directory.Exists(path)) throw new IOException($"{path} is a directory, not a file.");
        if (!File.Exists(path)) throw new FileNotFoundException($"file not found: {path}", path);
        return new BoundedLineReader(new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16), path, maxLineLength);
    }

    /// <summary>The source's name in error messages (a path, or e.g. "stdin").</summary>
    public string Name { get; }

    /// <summary>The most characters one line may have (without its terminator).</summary>
    public int MaxLineLength { get; }

    /// <summary>The 1-based number of the line last returned (0 before the first).</summary>
    public long LineNumber { get; private set; }

    /// <summary>The next line without its terminator, or null at the end.</summary>
    public string? ReadLine() => ReadLineCore(null, default).GetAwaiter().GetResult();

    /// <summary>
    /// The next line, waiting for input only as long as <paramref name="cancellation"/> allows: a cancelled wait throws
    /// <see cref="OperationCanceledException"/> even while the underlying read (e.g. of a terminal) still blocks. After
    /// that the reader cannot be used again.
    /// </summary>
    public ValueTask<string?> ReadLineAsync(CancellationToken cancellation) => ReadLineCore(cancellation, cancellation);

    private async ValueTask<string?> ReadLineCore(CancellationToken? wait, CancellationToken cancellation)
    {
        ObjectDisposedException.ThrowIf(_broken, this);
        _line.Clear();
        bool any = false;
        while (true)
        {
            if (_position == _length)
            {
                if (_ended || !await Fill(wait, cancellation)) break;
            }
            int start = _position;
            int found = _buffer.AsSpan(_position, _length - _position).IndexOfAny('\n', '\r');
            int stop = found < 0 ? -1 : _position + found;
            int end = stop < 0 ? _length : stop;
            if (_line.Length + (end - start) > MaxLineLength)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"{Name}:{LineNumber + 1}: the line is longer than {MaxLineLength:N0} characters (a binary file, or not line-based text?)."));
            _line.Append(_buffer, start, end - start);
            any = true;
            _position = end;
            if (stop < 0) continue;
            _position++;
            if (_buffer[stop] == '\r')
            {
                // \r\n is one terminator; the \n may be in the next block.
                if (_position == _length && !_ended) await Fill(wait, cancellation);
                if (_position < _length && _buffer[_position] == '\n') _position++;
            }
            LineNumber++;
            return _line.ToString();
        }
        if (!any) return null;
        LineNumber++;
        return _line.ToString();
    }

    private async ValueTask<bool> Fill(CancellationToken? wait, CancellationToken cancellation)
    {
        int read;
        if (wait is null) read = _reader.Read(_buffer, 0, _buffer.Length);
        else
        {
            try
            {
                // A console or pipe read does not observe the token itself: stop waiting for it instead.
                read = await Task.Run(() => _reader.Read(_buffer, 0, _buffer.Length), CancellationToken.None).WaitAsync(cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _broken = true; // the abandoned read may still fill the buffer
                throw;
            }
        }
        _position = 0;
        _length = read;
        if (read == 0) { _ended = true; return false; }
        if (!_started)
        {
            _started = true;
            if (_buffer[0] == '\uFEFF') _position = 1;
        }
        return _position < _length || await Fill(wait, cancellation);
    }

    /// <summary>Disposes the underlying reader unless it was left open.</summary>
    public void Dispose()
    {
        if (!_leaveOpen) _reader.Dispose();
    }
}
