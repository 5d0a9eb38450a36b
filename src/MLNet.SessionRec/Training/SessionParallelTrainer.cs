using System.Diagnostics;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Training;

/// <summary>
/// The session-parallel GRU4Rec training loop of the official code: per mini-batch the scores of the batch's
/// columns only (in-batch targets + shared samples, positives on the diagonal), loss / batch_size, BPTT 1
/// (the hidden state is carried without gradient), Adagrad + momentum with sparse updates of item rows.
/// </summary>
internal sealed class SessionParallelTrainer : IDisposable
{
    private readonly Gru4RecOptions _o;
    private readonly Gru4RecNetwork _net;
    private readonly Device _device;
    private readonly AdagradMomentum _optimizer;
    private readonly SampleCache? _samples;
    private readonly Tensor? _logSupport;        // logq · log(support), per item (cross-entropy with logq only)
    private readonly Dictionary<int, (Tensor? DiagonalMask, Tensor? ColumnWeight, long[] Buffer)> _perBatchSize = new();
    private readonly Tensor[] _dense;

    private readonly Generator? _generator;

    public SessionParallelTrainer(Gru4RecNetwork net, SessionDataset train, Random random, Generator? generator = null)
    {
        _generator = generator;
        _net = net;
        _o = net.Options;
        _device = net.Device;
        _optimizer = new AdagradMomentum(_o.LearningRate, _o.Momentum);
        _dense = net.DenseParameters().ToArray();
        long[] supports = CountSupports(train, net.ItemCount);
        if (_o.NSample > 0) _samples = new SampleCache(supports, _o.SampleAlpha, _o.NSample, random, _device);
        if (_o.Loss == Gru4RecLoss.CrossEntropy && _o.Logq > 0)
            _logSupport = tensor(supports.Select(s => (float)(_o.Logq * Math.Log(Math.Max(s, 1)))).ToArray(), device: _device).DetachFromDisposeScope();
    }

    /// <summary>Number of training events of each item in <paramref name="data"/> (the sampling popularity).</summary>
    internal static long[] CountSupports(SessionDataset data, int itemCount)
    {
        var supports = new long[itemCount];
        foreach (int item in data.ItemIndices) supports[item]++;
        return supports;
    }

    private (Tensor? DiagonalMask, Tensor? ColumnWeight, long[] Buffer) ForBatchSize(int b)
    {
        if (_perBatchSize.TryGetValue(b, out var c)) return c;
        long columns = b + _o.NSample;
        Tensor? mask = _o.Loss is Gru4RecLoss.BprMax or Gru4RecLoss.Top1Max
            ? eye(b, columns, dtype: ScalarType.Bool, device: _device).DetachFromDisposeScope() : null;
        Tensor? weight = null;
        if (_logSupport is not null)
        {
            // In-batch columns are corrected by log(support), sampled ones by log(support^alpha).
            var w = new float[columns];
            for (long i = 0; i < columns; i++) w[i] = i < b ? 1f : (float)_o.SampleAlpha;
            weight = tensor(w, device: _device).DetachFromDisposeScope();
        }
        c = (mask, weight, new long[2 * b]);
        _perBatchSize[b] = c;
        return c;
    }

    /// <summary>
    /// The logQ correction subtracted from the scores of columns <paramref name="y"/> (training, cross-entropy only):
    /// logq·log(support) for the in-batch columns, logq·log(support^alpha) for the sampled ones; null without logQ.
    /// </summary>
    internal Tensor? LogQOffset(Tensor y, int batchRows) => LogQOffset(y, ForBatchSize(batchRows).ColumnWeight);

    private Tensor? LogQOffset(Tensor y, Tensor? columnWeight) =>
        _logSupport is null ? null : _logSupport.index_select(0, y).mul_(columnWeight!);

    /// <summary>Trains one epoch; returns (mean per-step loss, events, seconds).</summary>
    public (double Loss, long Events, double Seconds) Epoch(SessionDataset train, Action? checkAlive)
    {
        var watch = Stopwatch.StartNew();
        var batcher = new SessionParallelBatcher(train, _o.BatchSize);
        Tensor[]? state = null; // zero state of the first mini-batch's size (fewer sessions than slots: smaller)
        var next = new Tensor[_o.Layers.Length];
        var gathered = new List<GatheredRows>(4);
        using var lossSum = zeros(1, device: _device);
        long events = 0, steps = 0;
        try
        {
            while (batcher.MoveNext())
            {
                checkAlive?.Invoke();
                int b = batcher.Count;
                if (_o.NSample == 0 && b < 2) break; // no negatives left (as the official loop)
                bool fresh = state is null;
                state ??= _net.ZeroState(b);
                if (batcher.KeptSlots is { } kept)
                {
                    using var keep = tensor(kept.Select(k => (long)k).ToArray(), device: _device);
                    for (int i = 0; i < state.Length; i++)
                    {
                        var shrunk = state[i].index_select(0, keep).DetachFromDisposeScope();
                        state[i].Dispose();
                        state[i] = shrunk;
                    }
                }
                if (!fresh && batcher.ResetSlots.Count > 0)
                {
                    using var reset = tensor(batcher.ResetSlots.Select(k => (long)k).ToArray(), device: _device);
                    foreach (var h in state) h.index_fill_(0, reset, 0);
                }
                Step(batcher, b, state, next, gathered, lossSum);
                events += b;
                steps++;
            }
        }
        finally
        {
            if (state is not null) foreach (var h in state) h.Dispose();
        }
        double loss = steps > 0 ? lossSum.item<float>() / steps : double.NaN;
        return (loss, events, watch.Elapsed.TotalSeconds);
    }

    private void Step(SessionParallelBatcher batcher, int b, Tensor[] state, Tensor[] next, List<GatheredRows> gathered, Tensor lossSum)
    {
        using var scope = NewDisposeScope();
        var (mask, weight, buffer) = ForBatchSize(b);
        for (int i = 0; i < b; i++) { buffer[i] = batcher.Inputs[i]; buffer[b + i] = batcher.Targets[i]; }
        var inOut = tensor(buffer, device: _device);
        var x = inOut.narrow(0, 0, b);
        var xy = _samples is null ? inOut : cat([inOut, _samples.Next()], 0);
        var y = xy.narrow(0, b, xy.shape[0] - b);
        var offset = LogQOffset(y, weight);
        gathered.Clear();
        var scores = _net.TrainForward(x, y, xy, state, next, offset, gathered, _generator);
        var loss = _o.Loss switch
        {
            Gru4RecLoss.CrossEntropy => Gru4RecLosses.CrossEntropy(scores),
            Gru4RecLoss.BprMax => Gru4RecLosses.BprMax(scores, mask!, _o.Bpreg, _o.EluParam),
            Gru4RecLoss.Top1Max => Gru4RecLosses.Top1Max(scores, mask!),
            Gru4RecLoss.Top1 => Gru4RecLosses.Top1(scores),
            _ => Gru4RecLosses.Bpr(scores),
        } / _o.BatchSize; // the configured batch size, also when the batch has shrunk
        loss.backward();
        using (no_grad())
        {
            foreach (var p in _dense)
            {
                var g = p.grad!;
                _optimizer.Dense(p, g);
                g.zero_();
            }
            foreach (var g in gathered) _optimizer.SparseRows(g.Parameter, g.Index, g.Rows.grad!);
            for (int i = 0; i < state.Length; i++) state[i].copy_(next[i]); // BPTT 1: carry values, not the graph
            lossSum.add_(loss.detach());
        }
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _samples?.Dispose();
        _logSupport?.Dispose();
        foreach (var (m, w, _) in _perBatchSize.Values) { m?.Dispose(); w?.Dispose(); }
    }
}
