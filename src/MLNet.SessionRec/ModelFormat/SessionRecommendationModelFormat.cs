using System.Security.Cryptography;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLNet.SessionRec.Model;
using MLNet.SessionRec.ModelFormat;
using MLNet.SessionRec.Pipeline;
using MLNet.SessionRec.Serialization;

// Lets mlContext.Model.Load find the loader below by the signature stored in the model (our assembly is located
// through the loader assembly name that the version info writes, so no RegisterAssembly call is needed).
[assembly: LoadableClass(typeof(SessionRecommendationTransformer), typeof(SessionRecommendationModelFormat), null,
    typeof(SignatureLoadModel), SessionRecommendationModelFormat.UserName, SessionRecommendationModelFormat.LoaderSignature)]

namespace MLNet.SessionRec.ModelFormat;

/// <summary>
/// Writes and reads <see cref="SessionRecommendationTransformer"/> in ML.NET's model format. Layout of its entry:
/// the four column/parameter fields, then the session model in its own binary stream as
/// [int64 length][SHA-256 of the body][body], the body being <see cref="SessionModelRegistry"/>'s kind-tagged format.
/// The hash turns any corruption of the weights into a clear error instead of wrong predictions.
/// </summary>
internal static class SessionRecommendationModelFormat
{
    internal const string LoaderSignature = "SessionRecTransformer";
    internal const string UserName = "Session Recommendation Transformer";
    internal const string ModelStreamName = "SessionModel.bin";

    // 8-character signature; bump VerWritten for format changes, VerReadable when older readers cannot cope.
    internal const string ModelSignature = "SESSREC1";
    internal const uint VerWritten = 0x00010001;
    internal const uint VerReadable = 0x00010001;

    internal static VersionInfo GetVersionInfo() => new(
        modelSignature: ModelSignature,
        verWrittenCur: VerWritten,
        verReadableCur: VerReadable,
        verWeCanReadBack: 0x00010001,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(SessionRecommendationModelFormat).Assembly.FullName);

    internal static void Save(ModelSaveContext ctx, SessionRecommendationTransformer transformer)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        if (transformer.Model is not ISavableSessionModel savable)
            throw new NotSupportedException($"Model '{transformer.Model.Name}' ({transformer.Model.GetType().Name}) cannot be saved: it does not implement {nameof(ISavableSessionModel)}.");
        ctx.CheckAtModel();
        ctx.SetVersionInfo(GetVersionInfo());
        ctx.SaveNonEmptyString(transformer.InputColumnName);
        ctx.SaveNonEmptyString(transformer.PredictedItemsColumnName);
        ctx.SaveNonEmptyString(transformer.ScoreColumnName);
        ctx.Writer.Write(transformer.TopK);

        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, System.Text.Encoding.UTF8, leaveOpen: true))
            SessionModelRegistry.Write(writer, savable);
        byte[] bytes = body.ToArray();
        ctx.SaveBinaryStream(ModelStreamName, w =>
        {
            w.Write(body.Length);
            w.Write(SHA256.HashData(bytes));
            w.Write(bytes);
        });
    }

    // Factory for SignatureLoadModel (found by ML.NET through the LoadableClass attribute above).
    private static SessionRecommendationTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(ctx);
        // Say plainly which library is too old (ML.NET's own message names ML.NET and our assembly version).
        if (ctx.Header.ModelVerReadable > VerWritten)
            throw new InvalidDataException($"The session recommendation model was written by a newer version of MLNet.SessionRec " +
                $"(format 0x{ctx.Header.ModelVerReadable:X8}; this version reads up to 0x{VerWritten:X8}). Update MLNet.SessionRec to load it.");
        ctx.CheckAtModel(GetVersionInfo());
        string input = ctx.LoadNonEmptyString();
        string predicted = ctx.LoadNonEmptyString();
        string score = ctx.LoadNonEmptyString();
        int topK = ctx.Reader.ReadInt32();
        if (topK < 1) throw new InvalidDataException($"Session recommendation model: invalid list length {topK}.");

        ISavableSessionModel? model = null;
        if (!ctx.TryLoadBinaryStream(ModelStreamName, r => model = ReadModel(r)))
            throw new InvalidDataException($"Session recommendation model: the stream '{ModelStreamName}' is missing from the model file.");
        try
        {
            MoveToContextDevice(env, model!);
            return new SessionRecommendationTransformer(env, model!, input, predicted, score, topK);
        }
        catch
        {
            (model as IDisposable)?.Dispose();
            throw;
        }
    }

    // Weights are read onto the CPU; like ML.NET's TorchSharp transformers, a loaded GRU4Rec model then goes to the
    // loading MLContext's device (GpuDeviceId, FallbackToCpu), so Transform scores on the GPU where one is asked for.
    private static void MoveToContextDevice(IHostEnvironment env, ISavableSessionModel model)
    {
        if (model is not Gru4RecModel gru) return;
        using var ch = env.Register(nameof(SessionRecommendationModelFormat)).Start("Load");
        var device = TorchDevice.Resolve(env, ch);
        if (device.type != TorchSharp.DeviceType.CPU) gru.MoveTo(device);
    }

    private static ISavableSessionModel ReadModel(BinaryReader reader)
    {
        try
        {
            long length = reader.ReadInt64();
            byte[] hash = reader.ReadBytes(32);
            if (length < 0 || length > int.MaxValue || hash.Length != 32)
                throw new InvalidDataException("Session recommendation model: the model stream is corrupted (bad header).");
            byte[] body = reader.ReadBytes((int)length);
            if (body.Length != length)
                throw new InvalidDataException($"Session recommendation model: the model stream is truncated ({body.Length} of {length} bytes).");
            if (!SHA256.HashData(body).AsSpan().SequenceEqual(hash))
                throw new InvalidDataException("Session recommendation model: the model stream is corrupted (checksum mismatch).");
            using var bodyReader = new BinaryReader(new MemoryStream(body, writable: false));
            return SessionModelRegistry.Read(bodyReader);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("Session recommendation model: the model stream is truncated.", e);
        }
    }
}
