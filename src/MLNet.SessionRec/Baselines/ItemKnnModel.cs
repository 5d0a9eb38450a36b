using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec.Baselines;

/// <summary>Settings of <see cref="ItemKnnModel"/> (defaults of the GRU4Rec paper's baseline).</summary>
public sealed class ItemKnnOptions
{
    /// <summary>The defaults, also used by the catalog's default arguments.</summary>
    internal static class Defaults
    {
        public const int Neighbors = 100;
        public const double Lambda = 20;
        public const double Alpha = 0.5;
    }

    /// <summary>Neighbours kept per item, most similar first. Default 100.</summary>
    public int Neighbors { get; set; } = Defaults.Neighbors;

    /// <summary>Regularisation λ added to both supports. Default 20.</summary>
    public double Lambda { get; set; } = Defaults.Lambda;

    /// <summary>Asymmetry α of the normalisation. Default 0.5 (cosine-like).</summary>
    public double Alpha { get; set; } = Defaults.Alpha;
}

/// <summary>
/// Item-KNN, the GRU4Rec paper's baseline: <c>s_ij = cooc_ij / ((supp_i + λ)^α (supp_j + λ)^(1-α))</c> where
/// <c>cooc_ij</c> counts pairs of events (one of item i, one of item j ≠ i) in the same training session and
/// <c>supp_i</c> is the number of training events of i; the score of j after item i is <c>s_ij</c> when j is one of
/// i's <see cref="ItemKnnOptions.Neighbors"/> most similar items (equal similarity: lower index first), else 0.
/// </summary>
public sealed class ItemKnnModel : LastItemModel
{
    /// <summary>The model kind in saved models.</summary>
    internal const string Kind = "itemknn";

    private ItemKnnModel(ItemVocabulary items, ItemRuleTable rules, ItemKnnOptions options) : base(items, rules) => Options = options;

    /// <summary>The settings the model was trained with.</summary>
    public ItemKnnOptions Options { get; }

    /// <inheritdoc/>
    public override string Name => "itemknn";

    /// <inheritdoc/>
    public override string ModelKind => Kind;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for invalid options (checked before any data is read).</summary>
    internal static void Check(ItemKnnOptions options)
    {
        if (options.Neighbors < 1) throw new ArgumentOutOfRangeException(nameof(options), $"Neighbors must be >= 1 (got {options.Neighbors}).");
        if (!(options.Lambda >= 0)) throw new ArgumentOutOfRangeException(nameof(options), $"Lambda must be >= 0 (got {options.Lambda}).");
        if (!(options.Alpha >= 0 && options.Alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(options), $"Alpha must be in [0, 1] (got {options.Alpha}).");
    }

    /// <summary>Computes the item similarities of <paramref name="train"/>.</summary>
    public static ItemKnnModel Train(SessionDataset train, ItemKnnOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        options ??= new ItemKnnOptions();
        Check(options);
        int n = train.Items.Count;
        var support = new double[n];
        var cooc = new Dictionary<int, double>?[n];
        var counts = new Dictionary<int, int>();
        for (int s = 0; s < train.SessionCount; s++)
        {
            counts.Clear();
            foreach (int item in train.GetSession(s))
            {
                support[item]++;
                counts[item] = counts.GetValueOrDefault(item) + 1;
            }
            foreach (var (i, ci) in counts)
                foreach (var (j, cj) in counts)
                {
                    if (i == j) continue;
                    var row = cooc[i] ??= new Dictionary<int, double>();
                    row[j] = row.GetValueOrDefault(j) + (double)ci * cj;
                }
        }

        var offsets = new int[n + 1];
        var targets = new List<int>();
        var weights = new List<float>();
        for (int i = 0; i < n; i++)
        {
            if (cooc[i] is { } row)
            {
                double normI = Math.Pow(support[i] + options.Lambda, options.Alpha);
                var neighbours = row.Select(kv => (j: kv.Key, sim: kv.Value / (normI * Math.Pow(support[kv.Key] + options.Lambda, 1 - options.Alpha))))
                    .OrderByDescending(x => x.sim).ThenBy(x => x.j).Take(options.Neighbors);
                foreach (var (j, sim) in neighbours)
                {
                    targets.Add(j);
                    weights.Add((float)sim);
                }
            }
            offsets[i + 1] = targets.Count;
        }
        var copy = new ItemKnnOptions { Neighbors = options.Neighbors, Lambda = options.Lambda, Alpha = options.Alpha };
        return new ItemKnnModel(train.Items, new ItemRuleTable(offsets, targets.ToArray(), weights.ToArray()), copy);
    }

    private protected override void WriteOptions(BinaryWriter writer)
    {
        writer.Write(Options.Neighbors);
        writer.Write(Options.Lambda);
        writer.Write(Options.Alpha);
    }

    /// <summary>Reads the body written by <see cref="LastItemModel.Write"/>.</summary>
    internal static ItemKnnModel Read(BinaryReader reader)
    {
        var items = ModelBinary.ReadVocabulary(reader);
        var options = new ItemKnnOptions { Neighbors = reader.ReadInt32(), Lambda = reader.ReadDouble(), Alpha = reader.ReadDouble() };
        return new ItemKnnModel(items, ItemRuleTable.Read(reader, items.Count), options);
    }
}
