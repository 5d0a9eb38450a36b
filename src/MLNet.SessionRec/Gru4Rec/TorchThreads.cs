using static TorchSharp.torch;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// torch's intra-op thread count for one call, restored afterwards. GRU4Rec's per-event work on the CPU (a GRU step of
/// at most a few hundred rows) is too small to share: with two or more intra-op threads, torch's workers wait for each
/// other and keep spinning after the step, which slows the step, and any other work on the machine, many-fold.
/// </summary>
internal readonly struct TorchThreads : IDisposable
{
    private readonly int _previous;

    private TorchThreads(int previous) => _previous = previous;

    /// <summary>Sets <paramref name="threads"/> (0 or less: leaves torch's setting alone) until the scope is disposed.</summary>
    public static TorchThreads Use(int threads)
    {
        if (threads <= 0) return default;
        int current = get_num_threads();
        if (current == threads) return default;
        set_num_threads(threads);
        return new TorchThreads(current);
    }

    /// <summary>Restores the previous count.</summary>
    public void Dispose()
    {
        if (_previous > 0) set_num_threads(_previous);
    }
}
