using System.Security.Cryptography;
using Microsoft.ML;

namespace MLNet.SessionRec.Persistence;

/// <summary>The transformer's fields in its model entry.</summary>
/// <remarks>The session and time column names and the time format the model was trained with are in entries of
/// version 0x00010002 on; older entries read them as <see cref="DefaultColumns.SessionId"/>, <see cref="DefaultColumns.Time"/>
/// and Unix seconds.</remarks>
internal readonly record struct TransformerFields(string InputColumnName, string PredictedItemsColumnName, string ScoreColumnName, int TopK,
    string SessionColumnName = DefaultColumns.SessionId, string TimeColumnName = DefaultColumns.Time,
    Data.SessionTimeFormat TimeFormat = Data.SessionTimeFormat.UnixSeconds, string? DateTimeFormat = null);

/// <summary>
/// The session recommendation transformer's entry in ML.NET's model format, through ML.NET's internal
/// <c>ModelSaveContext</c>/<c>ModelLoadContext</c> members: the version info, the four column/parameter fields,
/// then the session model in its own binary stream as [int64 length][SHA-256 of the body][body]. The hash turns
/// any corruption of the weights into a clear error instead of wrong predictions.
/// </summary>
internal static class TransformerEntry
{
    internal const string LoaderSignature = "SessionRecTransformer";
    internal const string UserName = "Session Recommendation Transformer";
    internal const string ModelStreamName = "SessionModel.bin";

    // 8-character signature; bump VerWritten for format changes, VerReadable when older readers cannot cope.
    // 0x00010001: release 1 (input, predicted-items and score column names, k).
    // 0x00010002: + after k, the session and time column names of training (strings), the time format (int32) and the
    //             date/time format (string or null); release-1 readers ignore them.
    internal const string ModelSignature = "SESSREC1";
    internal const uint VerWritten = 0x00010002;
    internal const uint VerReadable = 0x00010001;
    private const uint VerWithTrainingColumns = 0x00010002;

    private static VersionInfo GetVersionInfo() => new(
        modelSignature: ModelSignature,
        verWrittenCur: VerWritten,
        verReadableCur: VerReadable,
        verWeCanReadBack: 0x00010001,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(TransformerEntry).Assembly.FullName);

    /// <summary>Writes the fields and the model body (already serialized; any length) into the entry.</summary>
    public static void Save(ModelSaveContext ctx, TransformerFields fields, ChunkedBuffer body)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.CheckAtModel();
        ctx.SetVersionInfo(GetVersionInfo());
        ctx.SaveNonEmptyString(fields.InputColumnName);
        ctx.SaveNonEmptyString(fields.PredictedItemsColumnName);
        ctx.SaveNonEmptyString(fields.ScoreColumnName);
        ctx.Writer.Write(fields.TopK);
        ctx.SaveNonEmptyString(fields.SessionColumnName);
        ctx.SaveNonEmptyString(fields.TimeColumnName);
        ctx.Writer.Write((int)fields.TimeFormat);
        ctx.SaveStringOrNull(fields.DateTimeFormat);
        ctx.SaveBinaryStream(ModelStreamName, w =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            body.ForEachChunk(hash.AppendData);
            w.Write(body.Length);
            w.Write(hash.GetHashAndReset());
            body.ForEachChunk(w.Write);
        });
    }

    /// <summary>Reads the fields and hands the checked model body to <paramref name="readModel"/>.</summary>
    /// <exception cref="InvalidDataException">A newer format, invalid fields, a missing, truncated or corrupted model stream.</exception>
    public static (TransformerFields Fields, T Model) Load<T>(ModelLoadContext ctx, Func<BinaryReader, T> readModel) where T : class
    {
        ArgumentNullException.ThrowIfNull(ctx);
        // Say plainly which library is too old (ML.NET's own message names ML.NET and our assembly version).
        if (ctx.Header.ModelVerReadable > VerWritten)
            throw new InvalidDataException($"The session recommendation model was written by a newer version of MLNet.SessionRec " +
                $"(format 0x{ctx.Header.ModelVerReadable:X8}; this version reads up to 0x{VerWritten:X8}). Update MLNet.SessionRec to load it.");
        ctx.CheckAtModel(GetVersionInfo());
        var fields = new TransformerFields(ctx.LoadNonEmptyString(), ctx.LoadNonEmptyString(), ctx.LoadNonEmptyString(), ctx.Reader.ReadInt32());
        if (ctx.Header.ModelVerWritten >= VerWithTrainingColumns)
        {
            fields = fields with
            {
                SessionColumnName = ctx.LoadNonEmptyString(), TimeColumnName = ctx.LoadNonEmptyString(),
                TimeFormat = (Data.SessionTimeFormat)ctx.Reader.ReadInt32(), DateTimeFormat = ctx.LoadStringOrNull(),
            };
            if (!Enum.IsDefined(fields.TimeFormat)) throw new InvalidDataException($"Session recommendation model: unknown time format {(int)fields.TimeFormat}.");
        }
        if (fields.TopK < 1) throw new InvalidDataException($"Session recommendation model: invalid list length {fields.TopK}.");
        T? model = null;
        if (!ctx.TryLoadBinaryStream(ModelStreamName, r => model = ReadModelStream(r, readModel)))
            throw new InvalidDataException($"Session recommendation model: the stream '{ModelStreamName}' is missing from the model file.");
        return (fields, model!);
    }

    /// <summary>The longest list a loaded transformer gives: its item count, or this when the catalog is smaller.</summary>
    /// <remarks>The key entry that holds k is not checksummed, and every scored row allocates k items and scores.</remarks>
    internal const int MinTopKLimit = 1000;

    /// <summary>Throws unless the list length <paramref name="topK"/> read from a model is sane for <paramref name="itemCount"/> items.</summary>
    public static void CheckTopK(int topK, int itemCount)
    {
        int limit = Math.Max(itemCount, MinTopKLimit);
        if (topK < 1 || topK > limit)
            throw ModelBinary.Invalid($"the list length (top-k) {topK} is outside 1..{limit} (the model has {itemCount} items).");
    }

    /// <summary>Reads the model stream ([int64 length][SHA-256][body], nothing after) and hands the checked body to <paramref name="readModel"/>.</summary>
    /// <exception cref="InvalidDataException">A truncated or corrupted stream, or data after it.</exception>
    internal static T ReadModelStream<T>(BinaryReader reader, Func<BinaryReader, T> readModel)
    {
        try
        {
            long length = reader.ReadInt64();
            byte[] hash = reader.ReadBytes(32);
            if (length < 0 || hash.Length != 32)
                throw ModelBinary.Invalid("the model stream is corrupted (bad header).");
            // Checked before anything is allocated; chunks are then allocated as bytes arrive, so a forged length
            // allocates nothing it cannot fill, and a body over 2 GB is fine.
            long remaining = ModelBinary.Remaining(reader);
            if (length > remaining)
                throw ModelBinary.Invalid($"the model stream is truncated ({remaining} of {length} bytes).");
            using var body = new ChunkedBuffer();
            long read = body.AppendFrom(reader.BaseStream, length);
            if (read != length)
                throw ModelBinary.Invalid($"the model stream is truncated ({read} of {length} bytes).");
            ModelBinary.CheckAtEnd(reader, "the checksummed model stream");
            using var check = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            body.ForEachChunk(check.AppendData);
            if (!check.GetHashAndReset().AsSpan().SequenceEqual(hash))
                throw ModelBinary.Invalid("the model stream is corrupted (checksum mismatch).");
            body.Position = 0;
            using var bodyReader = new BinaryReader(body, System.Text.Encoding.UTF8, leaveOpen: true);
            var model = readModel(bodyReader);
            try { ModelBinary.CheckAtEnd(bodyReader, "the model body"); }
            catch
            {
                (model as IDisposable)?.Dispose();
                throw;
            }
            return model;
        }
        catch (EndOfStreamException e)
        {
            throw ModelBinary.Invalid("the model stream is truncated.", e);
        }
    }
}
