
namespace MLNet.SessionRec;

/// <summary>
/// A session model that can write itself (vocabulary, parameters, weights) into a binary stream, so that
/// the ML.NET model zip and any other container can store it. Reading back goes through
/// <see cref="SessionModelRegistry.Read"/>, keyed by <see cref="ModelKind"/>.
/// </summary>
public interface ISavableSessionModel : ISessionModel
{
    /// <summary>Stable identifier of the model's format, e.g. "gru4rec" or "pop"; never changes once released.</summary>
    string ModelKind { get; }

    /// <summary>Writes the model's body (after the kind, which the registry writes).</summary>
    void Write(BinaryWriter writer);
}
