namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// GRU4Rec training stopped because the loss became non-finite (NaN or infinity): the weights have blown up. The
/// message names the epoch, the mini-batch by which it was seen and the parameters that usually cause it
/// (<c>learning_rate</c>; with bpr-max also <c>bpreg</c> and <c>elu_param</c>). No model is returned.
/// </summary>
public sealed class Gru4RecTrainingDivergedException : InvalidOperationException
{
    internal Gru4RecTrainingDivergedException(string message, int epoch, long step) : base(message)
    {
        Epoch = epoch;
        Step = step;
    }

    /// <summary>The epoch (from 1) in which the loss was found non-finite.</summary>
    public int Epoch { get; }

    /// <summary>The mini-batch of that epoch (from 1) by which it was found: it went non-finite at most this many steps after the previous check.</summary>
    public long Step { get; }
}
