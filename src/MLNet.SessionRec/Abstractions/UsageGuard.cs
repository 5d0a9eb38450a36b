namespace MLNet.SessionRec;

/// <summary>
/// Makes disposal safe while other threads use an object whose native memory a call may be reading: every call
/// enters the guard (one interlocked increment, one decrement on leaving), <see cref="TryClose"/> marks the object
/// disposed, waits until the calls in flight have left, and only then lets the owner free its memory. Calls that
/// enter after the mark get <see cref="ObjectDisposedException"/>. Freeing native tensors under a running torch op
/// kills the process (SIGSEGV), which no catch can handle: hence the wait.
/// </summary>
internal sealed class UsageGuard
{
    // Low bits: calls in flight; this bit: closed. One word, so entering is a single interlocked add.
    private const int ClosedBit = 1 << 30;
    private int _state;
    private readonly Func<string> _describe;

    /// <param name="describe">The object's description for the <see cref="ObjectDisposedException"/> message (called only on refusal).</param>
    public UsageGuard(Func<string> describe) => _describe = describe;

    /// <summary>Whether <see cref="TryClose"/> was called.</summary>
    public bool IsClosed => (Volatile.Read(ref _state) & ClosedBit) != 0;

    /// <summary>Enters a call; dispose the lease when the call ends.</summary>
    /// <exception cref="ObjectDisposedException">The object was disposed.</exception>
    public Lease Enter()
    {
        if ((Interlocked.Increment(ref _state) & ClosedBit) != 0)
        {
            Interlocked.Decrement(ref _state);
            throw Refusal();
        }
        return new Lease(this);
    }

    /// <summary><see cref="Enter()"/> on <paramref name="guard"/>, or an empty lease when there is none.</summary>
    public static Lease Enter(UsageGuard? guard) => guard is null ? default : guard.Enter();

    /// <summary>Throws <see cref="ObjectDisposedException"/> when closed (a check without entering).</summary>
    public void ThrowIfClosed()
    {
        if (IsClosed) throw Refusal();
    }

    /// <summary>
    /// Closes the guard and waits for the calls in flight to leave; true for the one caller that closed it (it then
    /// frees the memory), false when it was already closed. Must not be called from inside a call of the same guard.
    /// </summary>
    public bool TryClose()
    {
        int state;
        do
        {
            state = Volatile.Read(ref _state);
            if ((state & ClosedBit) != 0) return false;
        }
        while (Interlocked.CompareExchange(ref _state, state | ClosedBit, state) != state);
        // Calls are sub-millisecond: spin, then yield and sleep (SpinWait escalates by itself).
        var wait = new SpinWait();
        while ((Volatile.Read(ref _state) & ~ClosedBit) != 0) wait.SpinOnce();
        return true;
    }

    private ObjectDisposedException Refusal() => new(null, _describe());

    /// <summary>One call in flight; disposing it leaves the guard (a default lease does nothing).</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly UsageGuard? _guard;

        internal Lease(UsageGuard guard) => _guard = guard;

        /// <summary>Leaves the guard.</summary>
        public void Dispose()
        {
            if (_guard is not null) Interlocked.Decrement(ref _guard._state);
        }
    }
}
