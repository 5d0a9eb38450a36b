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
    private bool _started, _ended, _skipLineFeed, _broken;

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
    public string? ReadLine()
    {
        ObjectDisposedException.ThrowIf(_broken, this);
        _line.Clear();
        bool any = false;
        while (true)
        {
            if (_position == _length && (_ended || !Accept(_reader.Read(_buffer, 0, _buffer.Length)))) return any ? Complete() : null;
            if (Scan(ref any)) return Complete();
        }
    }

    /// <summary>
    /// The next line, waiting for input only as long as <paramref name="cancellation"/> allows: a cancelled wait throws
    /// <see cref="OperationCanceledException"/> even while the underlying read (e.g. of a terminal) still blocks. After
    /// that the reader cannot be used again.
    /// </summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellation)
    {
        ObjectDisposedException.ThrowIf(_broken, this);
        _line.Clear();
        bool any = false;
        while (true)
        {
            if (_position == _length)
            {
                if (_ended) return any ? Complete() : null;
                int read;
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
                if (!Accept(read)) return any ? Complete() : null;
            }
            if (Scan(ref any)) return Complete();
        }
    }

    // Takes a block of `read` characters into the buffer (a BOM at the very start skipped); false at the end, after
    // which the source is not read again (a terminal would wait for more after Ctrl+D).
    private bool Accept(int read)
    {
        _position = 0;
        _length = read;
        if (read == 0) return !(_ended = true);
        if (!_started)
        {
            _started = true;
            if (_buffer[0] == '\uFEFF') _position = 1;
        }
        return true;
    }

    // Moves buffered characters into the line; true when its terminator was reached.
    private bool Scan(ref bool any)
    {
        if (_skipLineFeed && _position < _length)
        {
            // The \n of a \r\n split between two blocks.
            if (_buffer[_position] == '\n') _position++;
            _skipLineFeed = false;
        }
        var rest = _buffer.AsSpan(_position, _length - _position);
        int found = rest.IndexOfAny('\n', '\r');
        int take = found < 0 ? rest.Length : found;
        if (_line.Length + take > MaxLineLength)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{Name}:{LineNumber + 1}: the line is longer than {MaxLineLength:N0} characters (a binary file, or not line-based text?)."));
        _line.Append(rest[..take]);
        any |= take > 0;
        _position += take;
        if (found < 0) return false;
        _position++;
        if (rest[found] == '\r')
        {
            if (_position == _length) _skipLineFeed = true;
            else if (_buffer[_position] == '\n') _position++;
        }
        return true;
    }

    private string Complete()
    {
        LineNumber++;
        return _line.ToString();
    }

    /// <summary>Disposes the underlying reader unless it was left open.</summary>
    public void Dispose()
    {
        if (!_leaveOpen) _reader.Dispose();
    }
}
