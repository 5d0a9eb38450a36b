using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// The GRU4Rec losses on a mini-batch score matrix O (B × C): row i holds the scores of the batch's columns for
/// slot i, whose positive (target) is column i (the diagonal); the other columns are negatives (other rows'
/// targets, then the shared samples). Each returns the SUM over rows (the trainer divides by batch_size).
/// Formulas: docs/losses.md.
/// </summary>
internal static class Gru4RecLosses
{
    /// <summary>
    /// −Σ_i log(softmax(O_i)[i] + 1e-24), exactly as the official code: rows whose target probability is below
    /// 1e-24 contribute (almost) no gradient. The logQ correction is applied to O by the caller (training only).
    /// </summary>
    public static Tensor CrossEntropy(Tensor scores) =>
        -scores.log_softmax(1).diagonal().exp().add(1e-24).log().sum();

    /// <summary>Softmax over each row's negatives only: the positive (diagonal) gets weight 0.</summary>
    public static Tensor SoftmaxNegatives(Tensor scores, Tensor diagonalMask) =>
        scores.masked_fill(diagonalMask, double.NegativeInfinity).softmax(1);

    /// <summary>Σ_i [−log(Σ_j s_ij σ(t_i − r_ij) + 1e-24) + bpreg Σ_j s_ij r_ij²], s = softmax over negatives, ELU first when eluParam &gt; 0.</summary>
    public static Tensor BprMax(Tensor scores, Tensor diagonalMask, double bpreg, double eluParam)
    {
        if (eluParam > 0) scores = F.elu(scores, eluParam);
        var s = SoftmaxNegatives(scores, diagonalMask);
        var target = scores.diagonal().unsqueeze(1);
        var ranking = -((target - scores).sigmoid() * s).sum(1).add(1e-24).log();
        if (bpreg == 0) return ranking.sum();
        return (ranking + (scores.square() * s).sum(1) * bpreg).sum();
    }

    /// <summary>Σ_i Σ_j s_ij [σ(r_ij − t_i) + σ(r_ij²)], s = softmax over negatives (Theano GRU4Rec).</summary>
    public static Tensor Top1Max(Tensor scores, Tensor diagonalMask)
    {
        var s = SoftmaxNegatives(scores, diagonalMask);
        var target = scores.diagonal().unsqueeze(1);
        return (((scores - target).sigmoid() + scores.square().sigmoid()) * s).sum();
    }

    /// <summary>Σ_i [mean_j(σ(r_ij − t_i) + σ(r_ij²)) − σ(t_i²)/C] over all C columns (Theano GRU4Rec).</summary>
    public static Tensor Top1(Tensor scores)
    {
        long columns = scores.shape[1];
        var target = scores.diagonal().unsqueeze(1);
        var perRow = ((scores - target).sigmoid() + scores.square().sigmoid()).mean([1L]);
        return (perRow - target.squeeze(1).square().sigmoid() / columns).sum();
    }

    /// <summary>Σ_i Σ_j −log σ(t_i − r_ij) over all columns, the diagonal included as in Theano GRU4Rec (a constant there).</summary>
    public static Tensor Bpr(Tensor scores)
    {
        var target = scores.diagonal().unsqueeze(1);
        return F.logsigmoid(target - scores).sum().neg();
    }
}
