using MLNet.SessionRec.Data;
using MLNet.SessionRec.Model;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Training;

/// <summary>
/// Per-epoch validation as the official <c>batch_eval</c>: session-parallel over the validation sessions, every event
/// with a successor predicts it, all items ranked on the device, conservative ties (rank = #items scoring ≥ the target).
/// The full metric set (other tie modes, NDCG, coverage) is the RankingEvaluator's job.
/// </summary>
internal static class Gru4RecValidation
{
    public static IReadOnlyList<Gru4RecValidationMetric> Evaluate(Gru4RecNetwork net, SessionDataset data, int[] cutoffs, int batchSize = 512)
    {
        var hits = new long[cutoffs.Length];
        var rr = new double[cutoffs.Length];
        long n = 0;
        var batcher = new SessionParallelBatcher(data, batchSize);
        var state = net.ZeroState(batchSize);
        using var noGrad = no_grad();
        try
        {
            var cut = tensor(cutoffs.Select(c => (float)c).ToArray(), device: net.Device).reshape(1, -1).DetachFromDisposeScope();
            using var cutDispose = cut;
            while (batcher.MoveNext())
            {
                using var scope = NewDisposeScope();
                int b = batcher.Count;
                if (batcher.KeptSlots is { } kept)
                {
                    var keep = tensor(kept.Select(k => (long)k).ToArray(), device: net.Device);
                    for (int i = 0; i < state.Length; i++) { var s = state[i].index_select(0, keep).DetachFromDisposeScope(); state[i].Dispose(); state[i] = s; }
                }
                if (batcher.ResetSlots.Count > 0)
                {
                    var reset = tensor(batcher.ResetSlots.Select(k => (long)k).ToArray(), device: net.Device);
                    foreach (var h in state) h.index_fill_(0, reset, 0);
                }
                var x = tensor(batcher.Inputs.AsSpan(0, b).ToArray().Select(i => (long)i).ToArray(), device: net.Device);
                var y = tensor(batcher.Targets.AsSpan(0, b).ToArray().Select(i => (long)i).ToArray(), device: net.Device);
                var scores = net.ScoreAll(net.EvalStep(x, state));
                var target = scores.gather(1, y.unsqueeze(1));
                var ranks = scores.ge(target).sum(1, type: ScalarType.Float32).unsqueeze(1); // conservative ties
                var hit = ranks.le(cut);
                var hitCount = hit.to(ScalarType.Int64).sum(dim: 0).cpu().data<long>().ToArray();
                var rrSum = (hit.to(ScalarType.Float64) / ranks.to(ScalarType.Float64)).sum(dim: 0).cpu().data<double>().ToArray();
                for (int c = 0; c < cutoffs.Length; c++) { hits[c] += hitCount[c]; rr[c] += rrSum[c]; }
                n += b;
            }
        }
        finally
        {
            foreach (var h in state) h.Dispose();
        }
        return cutoffs.Select((c, i) => new Gru4RecValidationMetric(c, n == 0 ? 0 : (double)hits[i] / n, n == 0 ? 0 : rr[i] / n)).ToArray();
    }
}
