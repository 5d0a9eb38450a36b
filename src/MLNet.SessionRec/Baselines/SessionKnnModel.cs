using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec.Baselines;

/// <summary>Similarity of S-KNN and S-SKNN between the current session's item set s and a training session's item set n.</summary>
public enum SessionKnnSimilarity
{
    /// <summary>|s ∩ n| / |s ∪ n| (session-rec's default; its <c>tanimoto</c> is the same formula).</summary>
    Jaccard,
    /// <summary>|s ∩ n| / (√|s| · √|n|).</summary>
    Cosine,
    /// <summary>2 |s ∩ n| / (2 |s ∩ n| + |s| + |n|).</summary>
    Binary,
}

/// <summary>Settings of <see cref="SessionKnnModel"/>; names and defaults of session-rec's <c>knn.sknn.ContextKNN</c>.</summary>
public sealed class SessionKnnOptions
{
    /// <summary>The defaults (session-rec's), also used by the catalog's default arguments.</summary>
    internal static class Defaults
    {
        public const int K = 100;
        public const int SampleSize = 1000;
    }

    /// <summary><c>k</c>: neighbours per prediction. session-rec requires it; default 100 (its documented value).</summary>
    public int K { get; set; } = Defaults.K;

    /// <summary><c>sample_size</c>: most recent sessions sharing an item that are candidates; 0 = all. Default 1000.</summary>
    public int SampleSize { get; set; } = Defaults.SampleSize;

    /// <summary><c>similarity</c>. Default <see cref="SessionKnnSimilarity.Jaccard"/>.</summary>
    public SessionKnnSimilarity Similarity { get; set; } = SessionKnnSimilarity.Jaccard;

    /// <summary><c>remind</c>: the session's last three events get ((score + 5) · 5 + c / 100), c = 1, 2, 3 oldest first. Default false.</summary>
    public bool Remind { get; set; }

    /// <summary><c>pop_boost</c>: adds this times the item's share of neighbours (relative to the most frequent item). Default 0.</summary>
    public double PopBoost { get; set; }

    /// <summary>session-rec's <c>conf/example_next.yml</c>: <c>{ k: 100, sample_size: 500, similarity: cosine }</c>.</summary>
    public static SessionKnnOptions SessionRecExample => new() { K = 100, SampleSize = 500, Similarity = SessionKnnSimilarity.Cosine };

    internal SessionKnnOptions Copy() => (SessionKnnOptions)MemberwiseClone();

    internal static void Validate(SessionKnnOptions o)
    {
        SessionKnnModel.CheckCommon(o.K, o.SampleSize, o.PopBoost);
        if (!Enum.IsDefined(o.Similarity)) throw new ArgumentOutOfRangeException(nameof(o.Similarity), $"Unknown similarity {o.Similarity}.");
    }
}

/// <summary>
/// S-KNN, session-based kNN (Jannach &amp; Ludewig 2017; session-rec <c>knn.sknn.ContextKNN</c>): the neighbours
/// are the <c>k</c> candidate sessions most similar to the current session's item set, and item i scores
/// <c>Σ_n sim(s, n) · 1[i ∈ n]</c> over the neighbours. See docs/evaluation.md (session-based kNN).
/// </summary>
public sealed class SessionKnnModel : SessionNeighborhoodModel
{
    /// <summary>The model kind in saved models.</summary>
    internal const string Kind = "sknn";

    private SessionKnnModel(ItemVocabulary items, SessionNeighborhoodIndex index, SessionKnnOptions options) : base(items, index) => Options = options;

    /// <summary>The settings the model was trained with (a copy).</summary>
    public SessionKnnOptions Options { get; }

    /// <inheritdoc/>
    public override string Name => "sknn";

    /// <inheritdoc/>
    public override string ModelKind => Kind;

    private protected override int NeighborCount => Options.K;

    private protected override int SampleSize => Options.SampleSize;

    /// <summary>Indexes the sessions of <paramref name="train"/>.</summary>
    public static SessionKnnModel Train(SessionDataset train, SessionKnnOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        options = (options ?? new SessionKnnOptions()).Copy();
        SessionKnnOptions.Validate(options);
        return new SessionKnnModel(train.Items, SessionNeighborhoodIndex.Build(train), options);
    }

    private protected override double Similarity(int session, in Match match, Workspace ws) =>
        SetSimilarity(Options.Similarity, match.Count, ws.ContextItems.Count, Index.Distinct(session).Length);

    private protected override void ScoreNeighbor(in Neighbor neighbor, Workspace ws)
    {
        foreach (int item in Index.Distinct(neighbor.Session)) ws.Add(item, neighbor.Similarity);
    }

    private protected override void Finish(ReadOnlySpan<int> session, Workspace ws) => RemindAndBoost(session, ws, Options.Remind, Options.PopBoost, Index);

    /// <summary>The set similarity of S-KNN and S-SKNN for |s ∩ n| = <paramref name="shared"/>, |s|, |n|.</summary>
    internal static double SetSimilarity(SessionKnnSimilarity similarity, int shared, int current, int neighbor) => similarity switch
    {
        SessionKnnSimilarity.Jaccard => shared / (double)(current + neighbor - shared),
        SessionKnnSimilarity.Cosine => shared / (Math.Sqrt(current) * Math.Sqrt(neighbor)),
        SessionKnnSimilarity.Binary => 2.0 * shared / (2.0 * shared + current + neighbor),
        _ => throw new ArgumentOutOfRangeException(nameof(similarity)),
    };

    internal static void CheckCommon(int k, int sampleSize, double popBoost)
    {
        CheckNeighborhood(k, sampleSize);
        if (!(popBoost >= 0 && double.IsFinite(popBoost))) throw new ArgumentOutOfRangeException(nameof(popBoost), $"PopBoost must be >= 0 and finite (got {popBoost}).");
    }

    private protected override void WriteOptions(BinaryWriter writer)
    {
        writer.Write(Options.K);
        writer.Write(Options.SampleSize);
        writer.Write((int)Options.Similarity);
        writer.Write(Options.Remind);
        writer.Write(Options.PopBoost);
    }

    /// <summary>Reads the body written by <see cref="SessionNeighborhoodModel.Write"/>.</summary>
    internal static SessionKnnModel Read(BinaryReader reader)
    {
        var items = ModelBinary.ReadVocabulary(reader);
        var options = CheckRead(new SessionKnnOptions
        {
            K = reader.ReadInt32(),
            SampleSize = reader.ReadInt32(),
            Similarity = (SessionKnnSimilarity)reader.ReadInt32(),
            Remind = reader.ReadBoolean(),
            PopBoost = reader.ReadDouble(),
        }, SessionKnnOptions.Validate);
        return new SessionKnnModel(items, SessionNeighborhoodIndex.Read(reader, items.Count), options);
    }
}
