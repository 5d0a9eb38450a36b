namespace MLNet.SessionRec.Persistence;

/// <summary>
/// An in-memory stream of any length (64-bit): bytes live in chunks of at most <see cref="ChunkSize"/> each, so a
/// model body over 2 GB — more than one array or a <see cref="MemoryStream"/> can hold — can be written, hashed and
/// read back. Chunks are allocated as bytes arrive, never ahead of them.
/// </summary>
internal sealed class ChunkedBuffer : Stream
{
    private readonly List<byte[]> _chunks = [];
    private long _length;
    private long _position;

    /// <summary>Creates an empty buffer with chunks of <paramref name="chunkSize"/> bytes (tests use small chunks).</summary>
    public ChunkedBuffer(int chunkSize = 64 << 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        ChunkSize = chunkSize;
    }

    /// <summary>Bytes per chunk.</summary>
    public int ChunkSize { get; }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => true;
    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int done = 0;
        while (done < buffer.Length && _position < _length)
        {
            int chunk = (int)(_position / ChunkSize), at = (int)(_position % ChunkSize);
            int n = (int)Math.Min(Math.Min(buffer.Length - done, ChunkSize - at), _length - _position);
            _chunks[chunk].AsSpan(at, n).CopyTo(buffer[done..]);
            done += n;
            _position += n;
        }
        return done;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            int chunk = (int)(_position / ChunkSize), at = (int)(_position % ChunkSize);
            while (_chunks.Count <= chunk) _chunks.Add(new byte[ChunkSize]);
            if (_chunks[chunk].Length < ChunkSize)
            {
                var whole = _chunks[chunk];
                Array.Resize(ref whole, ChunkSize);
                _chunks[chunk] = whole;
            }
            int n = Math.Min(buffer.Length, ChunkSize - at);
            buffer[..n].CopyTo(_chunks[chunk].AsSpan(at));
            buffer = buffer[n..];
            _position += n;
            _length = Math.Max(_length, _position);
        }
    }

    /// <summary>
    /// Appends exactly <paramref name="count"/> bytes from <paramref name="source"/>, allocating only as they arrive;
    /// returns how many were there (fewer when the source ends first).
    /// </summary>
    public long AppendFrom(Stream source, long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _position = _length;
        long copied = 0;
        while (copied < count)
        {
            int at = (int)(_length % ChunkSize);
            if (at == 0) _chunks.Add(new byte[(int)Math.Min(ChunkSize, count - copied)]);
            var last = _chunks[^1];
            if (last.Length < ChunkSize && at == last.Length)
            {
                // The previous chunk was sized to the expected end; grow it to a whole chunk before continuing.
                Array.Resize(ref last, ChunkSize);
                _chunks[^1] = last;
            }
            int read = source.Read(last, at, (int)Math.Min(last.Length - at, count - copied));
            if (read == 0) break;
            copied += read;
            _length += read;
        }
        _position = _length;
        return copied;
    }

    /// <summary>Passes the content chunk by chunk to <paramref name="consume"/> (for hashing and copying without one array).</summary>
    public void ForEachChunk(Action<ReadOnlySpan<byte>> consume)
    {
        long left = _length;
        foreach (var chunk in _chunks)
        {
            if (left <= 0) break;
            int n = (int)Math.Min(chunk.Length, left);
            consume(chunk.AsSpan(0, n));
            left -= n;
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => _length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Flush() { }
}
