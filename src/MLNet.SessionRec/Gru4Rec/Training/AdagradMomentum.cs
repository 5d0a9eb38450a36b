using static TorchSharp.torch;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// The official GRU4Rec optimiser (IndexedAdagradM): Adagrad with epsilon inside the square root plus classical
/// momentum, <c>acc += g²; v = μv − lr·g/√(acc+ε); p += v</c> (without momentum <c>p −= lr·g/√(acc+ε)</c>).
/// Item-indexed parameters get sparse per-row updates: only the rows touched by the step change, in their
/// parameter, accumulator and velocity, with gradients of duplicate rows summed first.
/// </summary>
internal sealed class AdagradMomentum : IDisposable
{
    public const double Epsilon = 1e-6;
    private readonly double _lr;
    private readonly double _momentum;
    private readonly Dictionary<Tensor, (Tensor Acc, Tensor? Vel)> _state = new(ReferenceEqualityComparer.Instance);

    public AdagradMomentum(double learningRate, double momentum)
    {
        _lr = learningRate;
        _momentum = momentum;
    }

    private (Tensor Acc, Tensor? Vel) State(Tensor parameter)
    {
        if (!_state.TryGetValue(parameter, out var st))
        {
            using var noGrad = no_grad();
            st = (zeros_like(parameter).DetachFromDisposeScope(), _momentum > 0 ? zeros_like(parameter).DetachFromDisposeScope() : null);
            _state.Add(parameter, st);
        }
        return st;
    }

    /// <summary>Accumulator and velocity of a parameter (for tests and checkpoints).</summary>
    public (Tensor Acc, Tensor? Vel) GetState(Tensor parameter) => State(parameter);

    /// <summary>Dense update of a whole parameter with gradient <paramref name="grad"/>.</summary>
    public void Dense(Tensor parameter, Tensor grad)
    {
        using var noGrad = no_grad();
        var (acc, vel) = State(parameter);
        acc.addcmul_(grad, grad, 1);
        using var denom = acc.add(Epsilon).sqrt_();
        if (vel is null) { parameter.addcdiv_(grad, denom, -_lr); return; }
        vel.mul_(_momentum).addcdiv_(grad, denom, -_lr);
        parameter.add_(vel);
    }

    /// <summary>
    /// Sparse update: <paramref name="rowGrads"/>[k] is a gradient of row <paramref name="rows"/>[k] of
    /// <paramref name="parameter"/> (rows may repeat; their gradients are summed before the update).
    /// </summary>
    public void SparseRows(Tensor parameter, Tensor rows, Tensor rowGrads)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (acc, vel) = State(parameter);
        var (unique, inverse, _) = rows.unique(sorted: false, return_inverse: true);
        var shape = (long[])rowGrads.shape.Clone();
        shape[0] = unique.shape[0];
        var g = zeros(shape, rowGrads.dtype, rowGrads.device).index_add_(0, inverse!, rowGrads, 1);
        var a = acc.index_select(0, unique).addcmul_(g, g, 1);
        acc.index_copy_(0, unique, a);
        var denom = a.add_(Epsilon).sqrt_();
        if (vel is null) { parameter.index_add_(0, unique, g.div_(denom), -_lr); return; }
        var v = vel.index_select(0, unique).mul_(_momentum).addcdiv_(g, denom, -_lr);
        vel.index_copy_(0, unique, v);
        parameter.index_add_(0, unique, v, 1);
    }

    public void Dispose()
    {
        foreach (var (acc, vel) in _state.Values) { acc.Dispose(); vel?.Dispose(); }
        _state.Clear();
    }
}
