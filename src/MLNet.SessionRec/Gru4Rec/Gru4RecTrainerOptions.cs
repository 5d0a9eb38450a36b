namespace MLNet.SessionRec.Gru4Rec;

public sealed partial class Gru4RecTrainer
{
    /// <summary>
    /// Everything a GRU4Rec training takes: the columns (<see cref="SessionTrainerOptions"/>), the official GRU4Rec
    /// parameters under .NET names (each described once in <see cref="Gru4RecParameters.All"/>, which also gives its
    /// official name, default and range; <see cref="Parse"/> reads the official <c>name=value</c> form), and how the run
    /// goes (threads, validation cut-offs, callbacks). The seed and the device come from the <c>MLContext</c>.
    /// </summary>
    public sealed class Options : SessionTrainerOptions
    {
        /// <summary>Creates options with the official defaults.</summary>
        public Options() => Gru4RecParameters.Reset(this);

        /// <summary>Official <c>loss</c>: training loss: cross-entropy, bpr-max, top1-max, top1 or bpr. Default cross-entropy.</summary>
        public Gru4RecLoss Loss { get; set; }

        /// <summary>Official <c>layers</c>: sizes of the stacked GRU layers. Default 100.</summary>
        public int[] LayerSizes { get; set; } = [];

        /// <summary>Official <c>batch_size</c>: parallel session slots of a mini-batch. Default 64.</summary>
        public int BatchSize { get; set; }

        /// <summary>Official <c>dropout_p_embed</c>: dropout probability of the input embedding (training only). Default 0.</summary>
        public double DropoutProbabilityEmbedding { get; set; }

        /// <summary>Official <c>dropout_p_hidden</c>: dropout probability of each GRU layer's output, which is also the carried hidden state (training only). Default 0.</summary>
        public double DropoutProbabilityHidden { get; set; }

        /// <summary>Official <c>learning_rate</c>: Adagrad learning rate. Default 0.05.</summary>
        public double LearningRate { get; set; }

        /// <summary>Official <c>momentum</c>: classical momentum on top of Adagrad (0: none). Default 0.</summary>
        public double Momentum { get; set; }

        /// <summary>Official <c>sample_alpha</c>: negatives are drawn with P(i) ~ support_i^alpha (0: uniform, 1: popularity). Default 0.5.</summary>
        public double SampleAlpha { get; set; }

        /// <summary>Official <c>n_sample</c>: extra negatives drawn per mini-batch and shared by its rows (0: in-batch negatives only). Default 2048.</summary>
        public int NumberOfSamples { get; set; }

        /// <summary>Official <c>embedding</c>: size of a separate input embedding (0: one-hot input; only without constrained_embedding; 'layersize' in strings: the first layer's size). Default 0.</summary>
        public int EmbeddingSize { get; set; }

        /// <summary>Official <c>constrained_embedding</c>: the output item matrix is also the input embedding (tied weights). Default True.</summary>
        public bool ConstrainedEmbedding { get; set; }

        /// <summary>Official <c>n_epochs</c>: passes over the training sessions. Default 10.</summary>
        public int NumberOfEpochs { get; set; }

        /// <summary>Official <c>bpreg</c>: weight of the score regularisation of bpr-max. Default 1.</summary>
        public double BprMaxRegularization { get; set; }

        /// <summary>Official <c>elu_param</c>: alpha of the ELU applied to the scores before bpr-max (0: none). Default 0.5.</summary>
        public double EluAlpha { get; set; }

        /// <summary>Official <c>logq</c>: weight of the logQ (sampling-bias) correction of cross-entropy (0: none). Default 0.</summary>
        public double LogQ { get; set; }

        /// <summary>
        /// Intra-op threads while training on the CPU (torch.set_num_threads, restored afterwards). Null (default) =
        /// chosen from the model and batch size: every core when a step's products are large (batch × last layer ×
        /// (3 × last layer + batch + samples) ≥ 2^25 multiply-adds, e.g. 512 units with batch 144: 1.8× the events/s
        /// of one thread on 2 cores), else 1 (e.g. the official RSC15 setting, 100 units with batch 32: small
        /// steps gain ~14% from a second idle core and slow down many-fold when a core is busy). 0 = leave torch's
        /// setting alone.
        /// </summary>
        public int? NumberOfThreads { get; set; }

        /// <summary>
        /// Folder of the training checkpoint: after every epoch the file <c>gru4rec.checkpoint</c> there is rewritten
        /// atomically with the weights, the optimiser, sampler and random-generator state, the epoch, the parameters and
        /// a SHA-256 of the training data (the folder is created when missing). Default null: no checkpoints.
        /// </summary>
        public string? CheckpointDirectory { get; set; }

        /// <summary>
        /// Continue from the checkpoint in <see cref="CheckpointDirectory"/> (from epoch 1 when there is none yet): the
        /// result equals the uninterrupted run on the CPU. A checkpoint of other data or other parameters (all but
        /// n_epochs) is refused. Default false.
        /// </summary>
        public bool Resume { get; set; }

        /// <summary>Cut-offs of the per-epoch validation Recall@K / MRR@K. Default 20.</summary>
        public int[] ValidationCutoffs { get; set; } = [20];

        /// <summary>Called after each epoch (in addition to the log line).</summary>
        public Action<Gru4RecEpochReport>? OnEpoch { get; set; }

        /// <summary>Called during each epoch (about every 16 mini-batches) with the fraction of the epoch done.</summary>
        public Action<Gru4RecEpochProgress>? OnProgress { get; set; }

        /// <summary>
        /// Options from the official parameter string, e.g. <c>"loss=bpr-max,layers=100/100,batch_size=32,constrained_embedding=True"</c>
        /// (names may also be .NET names); unset parameters keep their defaults.
        /// </summary>
        /// <exception cref="FormatException">Unknown name or bad value (the message names the parameter).</exception>
        public static Options Parse(string parameters)
        {
            var options = new Options();
            Gru4RecParameters.Apply(options, parameters);
            return options;
        }

        /// <summary>Sets one parameter by official, kebab-case or .NET name from text.</summary>
        /// <exception cref="FormatException">Unknown name or bad value.</exception>
        public void SetParameter(string name, string value) => Gru4RecParameters.Apply(this, $"{name}={value}");

        /// <summary>A copy of these options (callbacks are shared).</summary>
        public Options Clone()
        {
            var copy = (Options)MemberwiseClone();
            copy.LayerSizes = (int[])LayerSizes.Clone();
            copy.ValidationCutoffs = (int[])ValidationCutoffs.Clone();
            return copy;
        }

        /// <summary>
        /// Throws <see cref="ArgumentException"/> naming the first invalid parameter and reports meaningless
        /// combinations through <paramref name="warn"/> (e.g. bpreg with cross-entropy).
        /// </summary>
        public void Validate(Action<string>? warn = null)
        {
            foreach (var p in Gru4RecParameters.All)
                if (p.GetProblem(p.GetValue(this)) is { } problem) throw new ArgumentException(problem, p.Name);
            if (NumberOfSamples == 0 && BatchSize < 2)
                throw new ArgumentException("n_sample=0 with batch_size=1 leaves no negative item to train against; use n_sample > 0 or batch_size >= 2.", nameof(NumberOfSamples));
            if (NumberOfThreads < 0) throw new ArgumentException($"NumberOfThreads must be zero or positive (got {NumberOfThreads}).", nameof(NumberOfThreads));
            if (Resume && string.IsNullOrWhiteSpace(CheckpointDirectory))
                throw new ArgumentException("Resume needs a CheckpointDirectory to resume from.", nameof(Resume));
            if (CheckpointDirectory is { Length: 0 }) throw new ArgumentException("CheckpointDirectory is empty (null: no checkpoints).", nameof(CheckpointDirectory));
            if (ValidationCutoffs is null || ValidationCutoffs.Length == 0 || ValidationCutoffs.Any(k => k < 1))
                throw new ArgumentException("ValidationCutoffs must hold at least one positive cut-off.", nameof(ValidationCutoffs));
            if (warn == null) return;
            string loss = Gru4RecParameters.LossName(Loss);
            if (Loss != Gru4RecLoss.BprMax && BprMaxRegularization > 0 && BprMaxRegularization != 1.0)
                warn($"bpreg={BprMaxRegularization} has no effect with loss={loss} (it only weights the bpr-max regularisation).");
            if (Loss != Gru4RecLoss.CrossEntropy && LogQ > 0)
                warn($"logq={LogQ} has no effect with loss={loss} (the logQ correction belongs to cross-entropy).");
            if (Loss == Gru4RecLoss.CrossEntropy && EluAlpha > 0 && EluAlpha != 0.5)
                warn($"elu_param={EluAlpha} has no effect with loss=cross-entropy (the ELU is applied before bpr-max only).");
            if (ConstrainedEmbedding && EmbeddingSize > 0)
                warn($"embedding={EmbeddingSize} is ignored because constrained_embedding=True (the input embedding is Wy).");
            if (NumberOfSamples == 0 && SampleAlpha != 0.5)
                warn($"sample_alpha={SampleAlpha} has no effect with n_sample=0.");
            if (LogQ > 0 && NumberOfSamples == 0 && Loss == Gru4RecLoss.CrossEntropy)
                warn("logq with n_sample=0 corrects the in-batch (popularity-sampled) negatives only.");
        }

        /// <summary>The official GRU4Rec parameters in the official "name=value,..." form, readable by <see cref="Parse"/>.</summary>
        public override string ToString() => Gru4RecParameters.Format(this);
    }
}
