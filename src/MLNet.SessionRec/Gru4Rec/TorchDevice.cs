using Microsoft.ML.Runtime;
using MLNet.SessionRec.Persistence;
using TorchSharp;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>The TorchSharp device an <c>MLContext</c> asks for, as ML.NET's own TorchSharp components choose it.</summary>
internal static class TorchDevice
{
    /// <summary>
    /// CUDA device <c>GpuDeviceId</c> when the context sets it and CUDA is available; else the CPU when
    /// <c>FallbackToCpu</c> (with a warning on <paramref name="ch"/>), else an error. No <c>GpuDeviceId</c>: the CPU.
    /// </summary>
    public static torch.Device Resolve(IHostEnvironment env, IChannel ch)
    {
        LibTorch.EnsureEnvironment();
        var (gpu, fallback) = MLNetInternals.Device(env);
        if (gpu is not int id) return torch.CPU;
        if (torch.cuda.is_available()) return new torch.Device(DeviceType.CUDA, id);
        if (!fallback)
            throw new InvalidOperationException($"MLContext.GpuDeviceId is {id} but CUDA is not available to TorchSharp (CPU natives, or no GPU). " +
                $"Reference TorchSharp-cuda-linux (-p:TorchBackend=cuda), load CUDA libtorch 2.10 from a PyTorch install into an application without its own libtorch (LibTorch.Load or {LibTorch.EnvironmentVariable}), or set MLContext.FallbackToCpu = true.");
        ch.Warning(MessageSensitivity.None, $"MLContext.GpuDeviceId is {id} but CUDA is not available; using the CPU (FallbackToCpu).");
        return torch.CPU;
    }

    /// <summary><see cref="Resolve(IHostEnvironment, IChannel)"/> with a channel of its own named <paramref name="channel"/>.</summary>
    public static torch.Device Resolve(IHostEnvironment env, string channel)
    {
        using var ch = env.Register(nameof(TorchDevice)).Start(channel);
        return Resolve(env, ch);
    }
}
