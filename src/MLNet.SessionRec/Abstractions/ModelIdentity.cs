using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace MLNet.SessionRec;

/// <summary>
/// The identity of a model for session states that leave the process: the SHA-256 of its saved form (kind, body,
/// trailer), so every process that loaded the same model file agrees; a model that cannot be saved gets a random
/// identity for its lifetime (its states restore only into the same instance).
/// </summary>
internal static class ModelIdentity
{
    private static readonly ConditionalWeakTable<ISessionModel, byte[]> Cache = new();

    /// <summary>The 32-byte identity of <paramref name="model"/> (computed once per instance; streams the saved form, no copy of it).</summary>
    public static byte[] Of(ISessionModel model) => Cache.GetValue(model, Compute);

    private static byte[] Compute(ISessionModel model)
    {
        if (model is not ISavableSessionModel savable) return RandomNumberGenerator.GetBytes(32);
        using var hash = new HashingStream();
        using (var writer = new BinaryWriter(hash, System.Text.Encoding.UTF8, leaveOpen: true))
            SessionModelRegistry.Write(writer, savable);
        return hash.Hash.GetHashAndReset();
    }

    /// <summary>A write-only stream that feeds SHA-256.</summary>
    private sealed class HashingStream : Stream
    {
        public IncrementalHash Hash { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _length;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer) { Hash.AppendData(buffer); _length += buffer.Length; }

        protected override void Dispose(bool disposing)
        {
            if (disposing) Hash.Dispose();
            base.Dispose(disposing);
        }
    }
}
