using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLNet.SessionRec.Persistence;

// Lets mlContext.Model.Load find the loader below by the signature stored in the model (our assembly is located
// through the loader assembly name that the version info writes, so no RegisterAssembly call is needed).
[assembly: LoadableClass(typeof(MLNet.SessionRec.SessionRecommendationTransformer), typeof(MLNet.SessionRec.SessionRecommendationModelFormat), null,
    typeof(SignatureLoadModel), TransformerEntry.UserName, TransformerEntry.LoaderSignature)]

namespace MLNet.SessionRec;

/// <summary>
/// Saves and loads <see cref="SessionRecommendationTransformer"/> in ML.NET's model format: the entry layout is
/// <see cref="TransformerEntry"/>'s, the session model inside it is <see cref="SessionModelRegistry"/>'s kind-tagged body.
/// </summary>
internal static class SessionRecommendationModelFormat
{
    internal static void Save(ModelSaveContext ctx, SessionRecommendationTransformer transformer)
    {
        if (transformer.Model is not ISavableSessionModel savable)
            throw new NotSupportedException($"Model '{transformer.Model.Name}' ({transformer.Model.GetType().Name}) cannot be saved: it does not implement {nameof(ISavableSessionModel)}.");
        using var body = new ChunkedBuffer();
        using (var writer = new BinaryWriter(body, System.Text.Encoding.UTF8, leaveOpen: true))
            SessionModelRegistry.Write(writer, savable);
        var fields = new TransformerFields(transformer.InputColumnName, transformer.PredictedItemsColumnName, transformer.ScoreColumnName, transformer.TopK,
            transformer.SessionColumnName, transformer.TimeColumnName, transformer.TimeFormat, transformer.DateTimeFormat);
        TransformerEntry.Save(ctx, fields, body);
    }

    // Factory for SignatureLoadModel (found by ML.NET through the LoadableClass attribute above).
    private static SessionRecommendationTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ArgumentNullException.ThrowIfNull(env);
        // A loaded model goes to the loading MLContext's device (GpuDeviceId, FallbackToCpu), as ML.NET's TorchSharp transformers do.
        var (fields, model) = TransformerEntry.Load(ctx, reader => SessionModelRegistry.Read(reader, env));
        try
        {
            TransformerEntry.CheckTopK(fields.TopK, model.Items.Count);
            return new SessionRecommendationTransformer(env, model, fields.InputColumnName, fields.PredictedItemsColumnName, fields.ScoreColumnName, fields.TopK,
                fields.SessionColumnName, fields.TimeColumnName, fields.TimeFormat, fields.DateTimeFormat);
        }
        catch
        {
            (model as IDisposable)?.Dispose();
            throw;
        }
    }
}
