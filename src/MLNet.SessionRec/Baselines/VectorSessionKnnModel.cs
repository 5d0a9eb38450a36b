using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec.Baselines;

/// <summary>Similarity of V-SKNN between the weighted current session and a training session (session-rec names).</summary>
public enum VectorSessionKnnSimilarity
{
    /// <summary><c>vec</c>: Σ_{i ∈ s ∩ n} w_i / |s| (session-rec's default).</summary>
    Vec,
    /// <summary><c>cosine</c>: Σ_{i ∈ s ∩ n} w_i / (√(Σ_{i ∈ s} w_i²) · √|n|).</summary>
    Cosine,
}

/// <summary>Settings of <see cref="VectorSessionKnnModel"/>; names and defaults of session-rec's <c>knn.vsknn.VMContextKNN</c>.</summary>
public sealed class VectorSessionKnnOptions
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

    /// <summary><c>similarity</c>. Default <see cref="VectorSessionKnnSimilarity.Vec"/>.</summary>
    public VectorSessionKnnSimilarity Similarity { get; set; } = VectorSessionKnnSimilarity.Vec;

    /// <summary><c>weighting</c>: weight w_i of an item of the current session by its (last) position. Default <see cref="SessionKnnWeighting.Div"/>.</summary>
    public SessionKnnWeighting Weighting { get; set; } = SessionKnnWeighting.Div;

    /// <summary><c>weighting_score</c>: decay of a neighbour by how far back its most recent shared item is. Default <see cref="SessionKnnWeighting.Div"/>.</summary>
    public SessionKnnWeighting WeightingScore { get; set; } = SessionKnnWeighting.Div;

    /// <summary><c>idf_weighting</c>: a neighbour adds sim · (1 + idf_i · this) to item i; 0 (session-rec's False) switches it off. Default 0.</summary>
    public double IdfWeighting { get; set; }

    /// <summary><c>idf_weighting_session</c>: the weights w_i of the current session's items are their IDF instead of position weights. Default false.</summary>
    public bool IdfWeightingSession { get; set; }

    /// <summary><c>remind</c>: whether items of the current session are scored too. Default true.</summary>
    public bool Remind { get; set; } = true;

    /// <summary><c>push_reminders</c>: the score of an item the session contains c times is multiplied by c + 1. Default false.</summary>
    public bool PushReminders { get; set; }

    /// <summary><c>last_n_clicks</c>: only the session's last N events are weighted and matched; null (None) = all. Default null.</summary>
    public int? LastNClicks { get; set; }

    /// <summary>
    /// session-rec's <c>conf/example_next.yml</c>:
    /// <c>{ k: 500, sample_size: 5000, weighting: quadratic, weighting_score: div, idf_weighting: 5 }</c>.
    /// </summary>
    public static VectorSessionKnnOptions SessionRecExample => new()
    {
        K = 500, SampleSize = 5000, Weighting = SessionKnnWeighting.Quadratic, WeightingScore = SessionKnnWeighting.Div, IdfWeighting = 5,
    };

    internal VectorSessionKnnOptions Copy() => (VectorSessionKnnOptions)MemberwiseClone();

    internal static void Validate(VectorSessionKnnOptions o)
    {
        SessionKnnModel.CheckCommon(o.K, o.SampleSize, 0);
        if (!Enum.IsDefined(o.Similarity)) throw new ArgumentOutOfRangeException(nameof(o.Similarity), $"Unknown similarity {o.Similarity}.");
        if (!Enum.IsDefined(o.Weighting)) throw new ArgumentOutOfRangeException(nameof(o.Weighting), $"Unknown weighting {o.Weighting}.");
        if (!Enum.IsDefined(o.WeightingScore)) throw new ArgumentOutOfRangeException(nameof(o.WeightingScore), $"Unknown weighting {o.WeightingScore}.");
        if (!(o.IdfWeighting >= 0 && double.IsFinite(o.IdfWeighting))) throw new ArgumentOutOfRangeException(nameof(o.IdfWeighting), $"IdfWeighting must be >= 0 and finite (got {o.IdfWeighting}).");
        if (o.LastNClicks is < 1) throw new ArgumentOutOfRangeException(nameof(o.LastNClicks), $"LastNClicks must be >= 1 or null (got {o.LastNClicks}).");
    }
}

/// <summary>
/// V-SKNN, vector multiplication session-based kNN (Ludewig &amp; Jannach 2018; session-rec
/// <c>knn.vsknn.VMContextKNN</c>): the current session is a vector of position weights w_i (later events weigh
/// more), the similarity to a candidate is <see cref="VectorSessionKnnOptions.Similarity"/>, and item i scores
/// <c>Σ_n sim(s, n) · (1 + idf_i · idf_weighting) · decay(d_n) · 1[i ∈ n]</c> where d_n is the position, counted
/// from the end of the session, of the most recent event whose item n contains. See docs/evaluation.md (session-based kNN).
/// </summary>
public sealed class VectorSessionKnnModel : SessionNeighborhoodModel
{
    /// <summary>The model kind in saved models.</summary>
    internal const string Kind = "vsknn";

    private VectorSessionKnnModel(ItemVocabulary items, SessionNeighborhoodIndex index, VectorSessionKnnOptions options) : base(items, index) => Options = options;

    /// <summary>The settings the model was trained with (a copy).</summary>
    public VectorSessionKnnOptions Options { get; }

    /// <inheritdoc/>
    public override string Name => "vsknn";

    /// <inheritdoc/>
    public override string ModelKind => Kind;

    private protected override int NeighborCount => Options.K;

    private protected override int SampleSize => Options.SampleSize;

    /// <summary>Indexes the sessions of <paramref name="train"/>.</summary>
    public static VectorSessionKnnModel Train(SessionDataset train, VectorSessionKnnOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        options = (options ?? new VectorSessionKnnOptions()).Copy();
        VectorSessionKnnOptions.Validate(options);
        return new VectorSessionKnnModel(train.Items, SessionNeighborhoodIndex.Build(train), options);
    }

    private protected override int ContextLength(int sessionLength) =>
        Options.LastNClicks is { } n ? Math.Min(n, sessionLength) : sessionLength;

    private protected override double ContextWeight(int item, int position, int length) =>
        Options.IdfWeightingSession ? Index.Idf(item) : SessionKnnWeights.Position(Options.Weighting, position, length);

    private protected override double Similarity(int session, in Match match, Workspace ws) => Options.Similarity switch
    {
        VectorSessionKnnSimilarity.Vec => match.WeightSum / ws.ContextItems.Count,
        VectorSessionKnnSimilarity.Cosine => match.WeightSum / (Math.Sqrt(ws.SquaredWeightSum) * Math.Sqrt(Index.Distinct(session).Length)),
        _ => throw new InvalidOperationException($"Unknown similarity {Options.Similarity}."),
    };

    private protected override void ScoreNeighbor(in Neighbor neighbor, Workspace ws)
    {
        double decay = SessionKnnWeights.Decay(Options.WeightingScore, ws.ContextLength - neighbor.LastPosition + 1);
        double sim = neighbor.Similarity, idfWeighting = Options.IdfWeighting;
        foreach (int item in Index.Distinct(neighbor.Session))
        {
            if (!Options.Remind && ws.InContext(item)) continue;
            double value = idfWeighting != 0 ? sim + sim * Index.Idf(item) * idfWeighting : sim;
            ws.Add(item, value * decay);
        }
    }

    private protected override void Finish(ReadOnlySpan<int> session, Workspace ws)
    {
        if (!Options.PushReminders) return;
        var counts = new Dictionary<int, int>();
        foreach (int item in session) counts[item] = counts.GetValueOrDefault(item) + 1;
        foreach (var (item, count) in counts)
            if (ws.HasScore(item)) ws.Set(item, ws.Score[item] * (count + 1));
    }

    private protected override void WriteOptions(BinaryWriter writer)
    {
        writer.Write(Options.K);
        writer.Write(Options.SampleSize);
        writer.Write((int)Options.Similarity);
        writer.Write((int)Options.Weighting);
        writer.Write((int)Options.WeightingScore);
        writer.Write(Options.IdfWeighting);
        writer.Write(Options.IdfWeightingSession);
        writer.Write(Options.Remind);
        writer.Write(Options.PushReminders);
        writer.Write(Options.LastNClicks ?? 0);
    }

    /// <summary>Reads the body written by <see cref="SessionNeighborhoodModel.Write"/>.</summary>
    internal static VectorSessionKnnModel Read(BinaryReader reader)
    {
        var items = ModelBinary.ReadVocabulary(reader);
        var options = new VectorSessionKnnOptions
        {
            K = reader.ReadInt32(),
            SampleSize = reader.ReadInt32(),
            Similarity = (VectorSessionKnnSimilarity)reader.ReadInt32(),
            Weighting = (SessionKnnWeighting)reader.ReadInt32(),
            WeightingScore = (SessionKnnWeighting)reader.ReadInt32(),
            IdfWeighting = reader.ReadDouble(),
            IdfWeightingSession = reader.ReadBoolean(),
            Remind = reader.ReadBoolean(),
            PushReminders = reader.ReadBoolean(),
        };
        int lastN = reader.ReadInt32();
        options.LastNClicks = lastN == 0 ? null : lastN;
        CheckRead(options, VectorSessionKnnOptions.Validate);
        return new VectorSessionKnnModel(items, SessionNeighborhoodIndex.Read(reader, items.Count), options);
    }
}
