namespace MLNet.SessionRec.Gru4Rec;

/// <summary>GRU4Rec training losses (official names "cross-entropy", "bpr-max", "top1-max", "top1", "bpr"; formulas in docs/losses.md).</summary>
public enum Gru4RecLoss
{
    /// <summary>"cross-entropy": softmax over the mini-batch's columns, −log p(target), logQ-corrected.</summary>
    CrossEntropy,
    /// <summary>"bpr-max": BPR against a softmax-weighted (smooth) maximum of the negatives, plus score regularisation.</summary>
    BprMax,
    /// <summary>"top1-max": TOP1 against a softmax-weighted maximum of the negatives (Theano GRU4Rec).</summary>
    Top1Max,
    /// <summary>"top1": the original TOP1 ranking loss averaged over the negatives (Theano GRU4Rec).</summary>
    Top1,
    /// <summary>"bpr": Bayesian personalised ranking summed over the negatives (Theano GRU4Rec).</summary>
    Bpr,
}
