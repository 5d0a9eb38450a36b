using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec.Baselines;

/// <summary>Settings of <see cref="StanModel"/>; names and defaults of session-rec's <c>knn.stan.STAN</c>.</summary>
public sealed class StanOptions
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

    internal StanOptions Copy() => (StanOptions)MemberwiseClone();

    internal static void Validate(StanOptions o)
    {
        StanModel.CheckCommon(o.K, o.SampleSize, o.LambdaSpw, o.LambdaSnh, o.LambdaInh);
    }
}

/// <summary>
/// STAN, sequence- and time-aware neighbourhood (Garg et al., SIGIR 2019; session-rec <c>knn.stan.STAN</c>): the
/// current session's events are weighted by position (λ1), the cosine similarity of the weighted session to a
/// candidate is decayed by the candidate's age (λ2), and a neighbour's item is decayed by its distance in the
/// neighbour to the neighbour's last item shared with the session (λ3): item i scores
/// <c>Σ_n sim(s, n) · exp(−|q_n(i) − q_n*| / λ3) · 1[i ∈ n]</c>. See docs/evaluation.md (session-based kNN).
/// </summary>
public sealed class StanModel : SessionNeighborhoodModel
{
    /// <summary>The model kind in saved models.</summary>
    internal const string Kind = "stan";

    private StanModel(ItemVocabulary items, SessionNeighborhoodIndex index, StanOptions options) : base(items, index) => Options = options;

    /// <summary>The settings the model was trained with (a copy).</summary>
    public StanOptions Options { get; }

    /// <inheritdoc/>
    public override string Name => "stan";

    /// <inheritdoc/>
    public override string ModelKind => Kind;

    private protected override int NeighborCount => Options.K;

    private protected override int SampleSize => Options.SampleSize;

    /// <summary>Indexes the sessions of <paramref name="train"/>.</summary>
    public static StanModel Train(SessionDataset train, StanOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        options = (options ?? new StanOptions()).Copy();
        StanOptions.Validate(options);
        return new StanModel(train.Items, SessionNeighborhoodIndex.Build(train), options);
    }

    private protected override double ContextWeight(int item, int position, int length) => PositionWeight(Options.LambdaSpw, position, length);

    private protected override bool Keeps(double similarity) => true; // session-rec's STAN keeps every candidate

    private protected override double Similarity(int session, in Match match, Workspace ws) =>
        StanSimilarity(Index, session, match, ws, Options.LambdaSnh);

    private protected override void ScoreNeighbor(in Neighbor neighbor, Workspace ws) =>
        ScoreStanNeighbor(Index, neighbor, ws, Options.Remind, Options.LambdaInh, idf: null, ipw: null);

    /// <summary>exp((p − L) / λ1), or 1 without λ1 (stan.py session_pos_weight).</summary>
    internal static double PositionWeight(double? lambdaSpw, int position, int length) =>
        lambdaSpw is { } l ? Math.Exp((position - length) / l) : 1;

    internal static void CheckCommon(int k, int sampleSize, double? spw, double? snh, double? inh)
    {
        CheckNeighborhood(k, sampleSize);
        CheckLambda(spw, "LambdaSpw");
        CheckLambda(snh, "LambdaSnh");
        CheckLambda(inh, "LambdaInh");
    }

    private protected override void WriteOptions(BinaryWriter writer)
    {
        writer.Write(Options.K);
        writer.Write(Options.SampleSize);
        writer.Write(Options.Remind);
        WriteOptional(writer, Options.LambdaSpw);
        WriteOptional(writer, Options.LambdaSnh);
        WriteOptional(writer, Options.LambdaInh);
    }

    /// <summary>Reads the body written by <see cref="SessionNeighborhoodModel.Write"/>.</summary>
    internal static StanModel Read(BinaryReader reader)
    {
        var items = ModelBinary.ReadVocabulary(reader);
        var options = CheckRead(new StanOptions
        {
            K = reader.ReadInt32(),
            SampleSize = reader.ReadInt32(),
            Remind = reader.ReadBoolean(),
            LambdaSpw = ReadOptional(reader),
            LambdaSnh = ReadOptional(reader),
            LambdaInh = ReadOptional(reader),
        }, StanOptions.Validate);
        return new StanModel(items, SessionNeighborhoodIndex.Read(reader, items.Count), options);
    }
}
