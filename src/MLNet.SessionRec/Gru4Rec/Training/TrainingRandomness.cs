using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// The seeded randomness of one training run, placed by device. TorchSharp 0.107 makes only CPU generators
/// (<c>new Generator(seed, device)</c> ignores the device), and a CPU generator cannot draw into a CUDA tensor, so:
/// <list type="bullet">
/// <item>the weights are always initialised on the CPU with <see cref="Initialisation"/> (a CPU generator of the seed)
/// and then moved to the device, so a seed gives the same initial weights on every device;</item>
/// <item>on the CPU, dropout masks continue that same generator and the negative samples come from a
/// <see cref="System.Random"/> of the seed (what the CPU trainer has always done: same-seed CPU models stay
/// bit-identical);</item>
/// <item>on any other device, dropout masks and negative samples are drawn on the device by its default generator
/// (<see cref="DeviceGenerator"/> is null), which is seeded with the run's seed (<c>torch.cuda.manual_seed_all</c>) when
/// the run starts; that generator is process-wide, so a seeded CUDA run is reproducible as long as nothing else draws
/// from it meanwhile.</item>
/// </list>
/// </summary>
internal sealed class TrainingRandomness : IDisposable
{
    private TrainingRandomness(int seed, Device device, Generator initialisation, Generator? deviceGenerator)
    {
        Seed = seed;
        Device = device;
        Initialisation = initialisation;
        DeviceGenerator = deviceGenerator;
        HostRandom = new Random(seed);
    }

    /// <summary>The run's seed.</summary>
    public int Seed { get; }

    /// <summary>The training device.</summary>
    public Device Device { get; }

    /// <summary>A CPU generator of the seed: the weights' initialisation (always drawn on the CPU).</summary>
    public Generator Initialisation { get; }

    /// <summary>
    /// The generator of draws into tensors on <see cref="Device"/> (dropout masks, device-side negatives): the CPU
    /// generator <see cref="Initialisation"/> itself on the CPU (continuing its stream, as before); null elsewhere, which
    /// makes libtorch use the device's own (seeded) default generator.
    /// </summary>
    public Generator? DeviceGenerator { get; }

    /// <summary>The seeded host generator of the CPU's negative samples (alias draws).</summary>
    public Random HostRandom { get; }

    /// <summary>Whether the negatives are drawn on the host (the CPU device) rather than on the device.</summary>
    public bool SamplesOnHost => DrawsOnHost(Device);

    /// <summary>The CPU draws its negatives on the host (bit-identical to earlier releases); other devices draw on the device.</summary>
    internal static bool DrawsOnHost(Device device) => device.type == DeviceType.CPU;

    /// <summary>The randomness of a run with <paramref name="seed"/> on <paramref name="device"/>; seeds the device's default generator off the CPU.</summary>
    public static TrainingRandomness Create(int seed, Device device)
    {
        var initialisation = new Generator((ulong)seed, CPU);
        if (DrawsOnHost(device)) return new TrainingRandomness(seed, device, initialisation, initialisation);
        if (device.type == DeviceType.CUDA) cuda.manual_seed_all(seed);
        return new TrainingRandomness(seed, device, initialisation, null);
    }

    public void Dispose() => Initialisation.Dispose();
}
