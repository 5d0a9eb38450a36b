using Microsoft.ML.Runtime;

namespace MLNet.SessionRec.Persistence;

/// <summary>The few internal host services of ML.NET that the public surface needs (cancellation, seed, device).</summary>
internal static class MLNetInternals
{
    /// <summary>Throws <see cref="OperationCanceledException"/> after <c>mlContext.CancelExecution()</c>.</summary>
    public static void CheckAlive(IHostEnvironment host) => host.CheckAlive();

    /// <summary>Requests cancellation of everything running on <paramref name="env"/> (MLContext.CancelExecution is internal).</summary>
    public static void CancelExecution(IHostEnvironment env)
    {
        if (env is Microsoft.ML.MLContext ml) ml.CancelExecution();
        else if (env is ICancelable cancelable) cancelable.CancelExecution();
        else throw new NotSupportedException($"{env.GetType().Name} does not support cancellation.");
    }

    /// <summary>The seed the MLContext was created with (null: none).</summary>
    public static int? Seed(IHostEnvironment env) => (env as IHostEnvironmentInternal)?.Seed;

    /// <summary>The GPU the MLContext asks for (null: CPU) and whether CPU is an acceptable fallback.</summary>
    public static (int? GpuDeviceId, bool FallbackToCpu) Device(IHostEnvironment env) =>
        env is IHostEnvironmentInternal e ? (e.GpuDeviceId, e.FallbackToCpu) : (null, true);
}
