using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec.Baselines;

/// <summary>Settings of <see cref="VStanModel"/>; names and defaults of session-rec's <c>knn.vstan.VSKNN_STAN</c>.</summary>
public sealed class VStanOptions
{
    /// <summary>The defaults (session-rec's), also used by the catalog's default arguments.</summary>
    internal static class Defaults
    {
        public const int K = 100;
        public const int SampleSize = 5000;
    }

    /// <summary><c>k</c>: neighbours per prediction. session-rec requires it; default 100 (its documented value).</summary>
    public int K { get; set; } = Defaults.K;

    /// <summary><c>sample_size</c>: most recent sessions sharing an item that are candidates; 0 = all. Default 5000.</summary>
    public int SampleSize { get; set; } = Defaults.SampleSize;

    /// <summary><c>remind</c>: whether items of the current session are scored too. Default true.</summary>
    public bool Remind { get; set; } = true;

    /// <summary><c>lambda_spw</c> (λ1): position decay exp((p − L) / λ1) of the current session's events; null switches it off. Default 1.02.</summary>
    public double? LambdaSpw { get; set; } = 1.02;

    /// <summary><c>lambda_snh</c> (λ2, in days): recency decay exp(−Δt / λ2) of a neighbour; null switches it off. Default 5.</summary>
    public double? LambdaSnh { get; set; } = 5;

    /// <summary><c>lambda_inh</c> (λ3): decay exp(−|q − q*| / λ3) of a neighbour's item by its distance to the shared item; null switches it off. Default 2.05.</summary>
    public double? LambdaInh { get; set; } = 2.05;

    /// <summary><c>lambda_ipw</c>: decay exp((p* − L) / λ) of a neighbour by the session position p* of its most recent shared item; null switches it off. Default 1.02.</summary>
    public double? LambdaIpw { get; set; } = 1.02;

    /// <summary><c>lambda_idf</c>: a neighbour's item gets (1 + idf_i · λ); null (or session-rec's False) switches it off. Default 5.</summary>
    public double? LambdaIdf { get; set; } = 5;

    internal VStanOptions Copy() => (VStanOptions)MemberwiseClone();

    internal static void Validate(VStanOptions o)
    {
        StanModel.CheckCommon(o.K, o.SampleSize, o.LambdaSpw, o.LambdaSnh, o.LambdaInh);
        CheckLambdas(o.LambdaIpw, o.LambdaIdf);
    }

    private static void CheckLambdas(double? ipw, double? idf)
    {
        if (ipw is { } v && !(v > 0 && double.IsFinite(v))) throw new ArgumentOutOfRangeException(nameof(LambdaIpw), $"LambdaIpw must be positive and finite, or null (got {v}).");
        if (idf is { } w && !(w >= 0 && double.IsFinite(w))) throw new ArgumentOutOfRangeException(nameof(LambdaIdf), $"LambdaIdf must be >= 0 and finite, or null (got {w}).");
    }
}

/// <summary>
/// V-STAN (Ludewig, Latifi &amp; Jannach 2021; session-rec <c>knn.vstan.VSKNN_STAN</c>): STAN with V-SKNN's
/// neighbour decay and IDF term: item i scores
/// <c>Σ_n sim(s, n) · exp(−|q_n(i) − q_n*| / λ3) · (1 + idf_i · λ_idf) · exp((p_n* − L) / λ_ipw) · 1[i ∈ n]</c>,
/// with STAN's similarity. See docs/evaluation.md (session-based kNN).
/// </summary>
public sealed class VStanModel : SessionNeighborhoodModel
{
    /// <summary>The model kind in saved models.</summary>
    internal const string Kind = "vstan";

    private VStanModel(ItemVocabulary items, SessionNeighborhoodIndex index, VStanOptions options) : base(items, index) => Options = options;

    /// <summary>The settings the model was trained with (a copy).</summary>
    public VStanOptions Options { get; }

    /// <inheritdoc/>
    public override string Name => "vstan";

    /// <inheritdoc/>
    public override string ModelKind => Kind;

    private protected override int NeighborCount => Options.K;

    private protected override int SampleSize => Options.SampleSize;

    /// <summary>Indexes the sessions of <paramref name="train"/>.</summary>
    public static VStanModel Train(SessionDataset train, VStanOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        options = (options ?? new VStanOptions()).Copy();
        VStanOptions.Validate(options);
        return new VStanModel(train.Items, SessionNeighborhoodIndex.Build(train), options);
    }

    private protected override double ContextWeight(int item, int position, int length) => StanModel.PositionWeight(Options.LambdaSpw, position, length);

    private protected override bool Keeps(double similarity) => true; // as STAN: every candidate

    private protected override double Similarity(int session, in Match match, Workspace ws) =>
        StanSimilarity(Index, session, match, ws, Options.LambdaSnh);

    private protected override void ScoreNeighbor(in Neighbor neighbor, Workspace ws)
    {
        double? ipw = Options.LambdaIpw is { } l ? Math.Exp((neighbor.LastPosition - ws.ContextLength) / l) : null;
        ScoreStanNeighbor(Index, neighbor, ws, Options.Remind, Options.LambdaInh, Options.LambdaIdf, ipw);
    }

    private protected override void WriteOptions(BinaryWriter writer)
    {
        writer.Write(Options.K);
        writer.Write(Options.SampleSize);
        writer.Write(Options.Remind);
        WriteOptional(writer, Options.LambdaSpw);
        WriteOptional(writer, Options.LambdaSnh);
        WriteOptional(writer, Options.LambdaInh);
        WriteOptional(writer, Options.LambdaIpw);
        WriteOptional(writer, Options.LambdaIdf);
    }

    /// <summary>Reads the body written by <see cref="SessionNeighborhoodModel.Write"/>.</summary>
    internal static VStanModel Read(BinaryReader reader)
    {
        var items = ModelBinary.ReadVocabulary(reader);
        var options = CheckRead(new VStanOptions
        {
            K = reader.ReadInt32(),
            SampleSize = reader.ReadInt32(),
            Remind = reader.ReadBoolean(),
            LambdaSpw = ReadOptional(reader),
            LambdaSnh = ReadOptional(reader),
            LambdaInh = ReadOptional(reader),
            LambdaIpw = ReadOptional(reader),
            LambdaIdf = ReadOptional(reader),
        }, VStanOptions.Validate);
        return new VStanModel(items, SessionNeighborhoodIndex.Read(reader, items.Count), options);
    }
}
