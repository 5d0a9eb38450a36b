using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec.Baselines;

/// <summary>Settings of <see cref="SequentialSessionKnnModel"/>; names and defaults of the authors' sequence-aware S-KNN (<c>SeqSessionKNN</c>, see docs/evaluation.md (session-based kNN)).</summary>
public sealed class SequentialSessionKnnOptions
{
    /// <summary>The defaults (session-rec's), also used by the catalog's default arguments.</summary>
    internal static class Defaults
    {
        public const int K = 100;
        public const int SampleSize = 1000;
    }

    /// <summary><c>k</c>: neighbours per prediction. Required by the reference code; default 100 (its documented value).</summary>
    public int K { get; set; } = Defaults.K;

    /// <summary><c>sample_size</c>: most recent sessions sharing an item that are candidates; 0 = all. Default 1000.</summary>
    public int SampleSize { get; set; } = Defaults.SampleSize;

    /// <summary><c>similarity</c>. Default <see cref="SessionKnnSimilarity.Jaccard"/>.</summary>
    public SessionKnnSimilarity Similarity { get; set; } = SessionKnnSimilarity.Jaccard;

    /// <summary><c>weighting</c>: decay of a neighbour by how far back its most recent shared item is. Default <see cref="SessionKnnWeighting.Div"/>.</summary>
    public SessionKnnWeighting Weighting { get; set; } = SessionKnnWeighting.Div;

    /// <summary><c>remind</c>, as in <see cref="SessionKnnOptions.Remind"/>. Default false.</summary>
    public bool Remind { get; set; }

    /// <summary><c>pop_boost</c>, as in <see cref="SessionKnnOptions.PopBoost"/>. Default 0.</summary>
    public double PopBoost { get; set; }

    internal SequentialSessionKnnOptions Copy() => (SequentialSessionKnnOptions)MemberwiseClone();

    internal static void Validate(SequentialSessionKnnOptions o)
    {
        SessionKnnModel.CheckCommon(o.K, o.SampleSize, o.PopBoost);
        if (!Enum.IsDefined(o.Similarity)) throw new ArgumentOutOfRangeException(nameof(o.Similarity), $"Unknown similarity {o.Similarity}.");
        if (!Enum.IsDefined(o.Weighting)) throw new ArgumentOutOfRangeException(nameof(o.Weighting), $"Unknown weighting {o.Weighting}.");
    }
}

/// <summary>
/// S-SKNN, sequence-aware session-based kNN (Ludewig &amp; Jannach 2018; the authors' <c>SeqSessionKNN</c>): the
/// neighbours of S-KNN, each weighted by the decay of the position, counted from the end of the current session,
/// of the most recent event whose item the neighbour contains: item i scores
/// <c>Σ_n sim(s, n) · decay(d_n) · 1[i ∈ n]</c>. See docs/evaluation.md (session-based kNN).
/// </summary>
public sealed class SequentialSessionKnnModel : SessionNeighborhoodModel
{
    /// <summary>The model kind in saved models.</summary>
    internal const string Kind = "ssknn";

    private SequentialSessionKnnModel(ItemVocabulary items, SessionNeighborhoodIndex index, SequentialSessionKnnOptions options) : base(items, index) => Options = options;

    /// <summary>The settings the model was trained with (a copy).</summary>
    public SequentialSessionKnnOptions Options { get; }

    /// <inheritdoc/>
    public override string Name => "ssknn";

    /// <inheritdoc/>
    public override string ModelKind => Kind;

    private protected override int NeighborCount => Options.K;

    private protected override int SampleSize => Options.SampleSize;

    /// <summary>Indexes the sessions of <paramref name="train"/>.</summary>
    public static SequentialSessionKnnModel Train(SessionDataset train, SequentialSessionKnnOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        options = (options ?? new SequentialSessionKnnOptions()).Copy();
        SequentialSessionKnnOptions.Validate(options);
        return new SequentialSessionKnnModel(train.Items, SessionNeighborhoodIndex.Build(train), options);
    }

    private protected override double Similarity(int session, in Match match, Workspace ws) =>
        SessionKnnModel.SetSimilarity(Options.Similarity, match.Count, ws.ContextItems.Count, Index.Distinct(session).Length);

    private protected override void ScoreNeighbor(in Neighbor neighbor, Workspace ws)
    {
        double value = neighbor.Similarity * SessionKnnWeights.Decay(Options.Weighting, ws.ContextLength - neighbor.LastPosition + 1);
        foreach (int item in Index.Distinct(neighbor.Session)) ws.Add(item, value);
    }

    private protected override void Finish(ReadOnlySpan<int> session, Workspace ws) => RemindAndBoost(session, ws, Options.Remind, Options.PopBoost, Index);

    private protected override void WriteOptions(BinaryWriter writer)
    {
        writer.Write(Options.K);
        writer.Write(Options.SampleSize);
        writer.Write((int)Options.Similarity);
        writer.Write((int)Options.Weighting);
        writer.Write(Options.Remind);
        writer.Write(Options.PopBoost);
    }

    /// <summary>Reads the body written by <see cref="SessionNeighborhoodModel.Write"/>.</summary>
    internal static SequentialSessionKnnModel Read(BinaryReader reader)
    {
        var items = ModelBinary.ReadVocabulary(reader);
        var options = CheckRead(new SequentialSessionKnnOptions
        {
            K = reader.ReadInt32(),
            SampleSize = reader.ReadInt32(),
            Similarity = (SessionKnnSimilarity)reader.ReadInt32(),
            Weighting = (SessionKnnWeighting)reader.ReadInt32(),
            Remind = reader.ReadBoolean(),
            PopBoost = reader.ReadDouble(),
        }, SequentialSessionKnnOptions.Validate);
        return new SequentialSessionKnnModel(items, SessionNeighborhoodIndex.Read(reader, items.Count), options);
    }
}
