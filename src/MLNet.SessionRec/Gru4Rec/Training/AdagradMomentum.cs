using TorchSharp;
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
    private readonly double _momentum;
    private readonly Dictionary<Tensor, (Tensor Acc, Tensor? Vel)> _state = new(ReferenceEqualityComparer.Instance);

    // The scalars of every update, made once and kept alive here. TorchSharp 0.107 passes a Scalar's raw handle to
    // native code and frees it in a finalizer, so a temporary Scalar (an implicit double -> Scalar) can be collected
    // while the native call still reads it: seen once here as "Expected false to be true ... toFloat" in acc.add(eps).
    private readonly Scalar _one = 1.ToScalar();
    private readonly Scalar _epsilon = Epsilon.ToScalar();
    private readonly Scalar _negativeLearningRate;
    private readonly Scalar _momentumScalar;

    public AdagradMomentum(double learningRate, double momentum)
    {
        _momentum = momentum;
        _negativeLearningRate = (-learningRate).ToScalar();
        _momentumScalar = momentum.ToScalar();
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

    /// <summary>Whether <paramref name="parameter"/> has been updated (has optimiser state) yet.</summary>
    public bool HasState(Tensor parameter) => _state.ContainsKey(parameter);

    /// <summary>Accumulator and velocity of a parameter (for tests and checkpoints).</summary>
    public (Tensor Acc, Tensor? Vel) GetState(Tensor parameter) => State(parameter);

    /// <summary>Dense update of a whole parameter with gradient <paramref name="grad"/>.</summary>
    public void Dense(Tensor parameter, Tensor grad)
    {
        using var noGrad = no_grad();
        var (acc, vel) = State(parameter);
        acc.addcmul_(grad, grad, _one);
        using var denom = acc.add(_epsilon, _one).sqrt_();
        if (vel is null) { parameter.addcdiv_(grad, denom, _negativeLearningRate); return; }
        vel.mul_(_momentumScalar).addcdiv_(grad, denom, _negativeLearningRate);
        parameter.add_(vel, _one);
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
        var g = zeros(shape, rowGrads.dtype, rowGrads.device).index_add_(0, inverse!, rowGrads, _one);
        var a = acc.index_select(0, unique).addcmul_(g, g, _one);
        acc.index_copy_(0, unique, a);
        var denom = a.add_(_epsilon, _one).sqrt_();
        if (vel is null) { parameter.index_add_(0, unique, g.div_(denom), _negativeLearningRate); return; }
        var v = vel.index_select(0, unique).mul_(_momentumScalar).addcdiv_(g, denom, _negativeLearningRate);
        vel.index_copy_(0, unique, v);
        parameter.index_add_(0, unique, v, _one);
    }

    public void Dispose()
    {
        foreach (var (acc, vel) in _state.Values) { acc.Dispose(); vel?.Dispose(); }
        _state.Clear();
        foreach (var scalar in new[] { _one, _epsilon, _negativeLearningRate, _momentumScalar }) scalar.Dispose();
    }
}
