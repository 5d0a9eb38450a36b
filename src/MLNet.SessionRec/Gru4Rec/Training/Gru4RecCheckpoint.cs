using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using MLNet.SessionRec.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// The checkpoint of a GRU4Rec training run after a whole epoch, in one file (<see cref="FileName"/>) rewritten
/// atomically after every epoch: the parameters, a SHA-256 of the training data, the device kind, the epoch, the
/// divergence monitor's reference losses, every weight, the optimiser's accumulators and momentum buffers, the
/// negative sampler's position and state, and the torch generator's state. Epochs restart their batcher and hidden
/// state, so a run resumed from the end of epoch k trains epochs k+1.. exactly as the uninterrupted run (on the CPU).
/// </summary>
internal static class Gru4RecCheckpoint
{
    /// <summary>The checkpoint's file name in the checkpoint folder.</summary>
    public const string FileName = "gru4rec.checkpoint";

    private const string Magic = "MLNet.SessionRec GRU4Rec checkpoint";
    private const int Version = 1;
    private const long ChunkBytes = 64L << 20; // tensors are copied to the host in bounded pieces

    /// <summary>The checkpoint file of <paramref name="directory"/>, after creating the folder and checking that it takes files.</summary>
    public static string Prepare(string directory)
    {
        if (File.Exists(directory)) throw new IOException($"Checkpoint folder {directory} is a file.");
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        AtomicFile.CheckWritable(path);
        return path;
    }

    /// <summary>SHA-256 of the training data as the trainer sees it: the item ids and every session's item sequence.</summary>
    public static byte[] HashData(SessionDataset data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Int(int v) => hash.AppendData(BitConverter.GetBytes(v));
        Int(data.Items.Count);
        foreach (string id in data.Items.Ids)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(id);
            Int(bytes.Length);
            hash.AppendData(bytes);
        }
        Int(data.SessionOffsets.Length);
        hash.AppendData(MemoryMarshal.AsBytes(data.SessionOffsets.AsSpan()));
        hash.AppendData(MemoryMarshal.AsBytes(data.ItemIndices.AsSpan()));
        return hash.GetHashAndReset();
    }

    /// <summary>Writes the state of <paramref name="loop"/> after <paramref name="epoch"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, int epoch, Gru4RecTrainer.Options options, byte[] dataHash, Gru4RecTrainingLoop loop, TrainingRandomness randomness)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(options.ToString());
            writer.Write(dataHash);
            writer.Write(DeviceKind(randomness.Device));
            writer.Write(epoch);
            writer.Write(loop.InitialLoss ?? double.NaN);
            writer.Write(loop.LowestEpochLoss);
            var tensors = loop.Network.NamedTensors();
            writer.Write(tensors.Count);
            foreach (var (name, t) in tensors)
            {
                writer.Write(name);
                WriteTensor(writer, t);
                bool has = loop.Optimizer.HasState(t);
                writer.Write(has);
                if (!has) continue;
                var (acc, vel) = loop.Optimizer.GetState(t);
                WriteTensor(writer, acc);
                writer.Write(vel is not null);
                if (vel is not null) WriteTensor(writer, vel);
            }
            writer.Write(loop.Samples is not null);
            loop.Samples?.WriteState(writer);
            var generator = randomness.DeviceGenerator;
            writer.Write(generator is not null);
            if (generator is not null)
            {
                using var state = generator.get_state();
                byte[] bytes = state.bytes.ToArray();
                writer.Write(bytes.Length);
                writer.Write(bytes);
            }
        });
    }

    /// <summary>
    /// Puts <paramref name="loop"/> into the state of the checkpoint at <paramref name="path"/> and returns its epoch.
    /// Refuses (ArgumentException, one line) a checkpoint of other data, other parameters (n_epochs may grow), another
    /// device kind, or more epochs than <paramref name="options"/> asks for.
    /// </summary>
    public static int Restore(string path, Gru4RecTrainer.Options options, byte[] dataHash, Gru4RecTrainingLoop loop, TrainingRandomness randomness)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            if (reader.ReadString() != Magic) throw new InvalidDataException($"{path} is not a GRU4Rec checkpoint.");
            int version = reader.ReadInt32();
            if (version != Version) throw new InvalidDataException($"{path} is a GRU4Rec checkpoint of version {version}; this library reads version {Version}.");
            CheckParameters(path, reader.ReadString(), options);
            if (!reader.ReadBytes(dataHash.Length).AsSpan().SequenceEqual(dataHash))
                throw new ArgumentException($"The checkpoint {path} was made with other training data (the SHA-256 of its sessions differs): resume with the same training data, or train without resuming.", nameof(options));
            string device = reader.ReadString();
            if (device != DeviceKind(randomness.Device))
                throw new ArgumentException($"The checkpoint {path} was made on {device}; this run trains on {DeviceKind(randomness.Device)}: resume on the same kind of device.", nameof(options));
            int epoch = reader.ReadInt32();
            if (epoch < 1) throw new InvalidDataException($"{path}: epoch {epoch} is not valid.");
            if (epoch > options.NumberOfEpochs)
                throw new ArgumentException($"The checkpoint {path} is after epoch {epoch}, beyond n_epochs={options.NumberOfEpochs}: ask for at least {epoch} epochs.", nameof(options));
            double initial = reader.ReadDouble();
            loop.InitialLoss = double.IsNaN(initial) ? null : initial;
            loop.LowestEpochLoss = reader.ReadDouble();
            var tensors = loop.Network.NamedTensors();
            if (reader.ReadInt32() != tensors.Count) throw new InvalidDataException($"{path}: the number of weights does not fit the parameters.");
            using (no_grad())
            {
                foreach (var (name, t) in tensors)
                {
                    if (reader.ReadString() != name) throw new InvalidDataException($"{path}: weight '{name}' expected.");
                    ReadTensor(reader, t, path);
                    if (!reader.ReadBoolean()) continue;
                    var (acc, vel) = loop.Optimizer.GetState(t);
                    ReadTensor(reader, acc, path);
                    bool hasVelocity = reader.ReadBoolean();
                    if (hasVelocity != vel is not null) throw new InvalidDataException($"{path}: the momentum buffers do not fit the parameters.");
                    if (vel is not null) ReadTensor(reader, vel, path);
                }
            }
            if (reader.ReadBoolean() != loop.Samples is not null) throw new InvalidDataException($"{path}: the sampler does not fit the parameters.");
            loop.Samples?.ReadState(reader);
            bool hasGenerator = reader.ReadBoolean();
            if (hasGenerator != randomness.DeviceGenerator is not null) throw new InvalidDataException($"{path}: the random generators do not fit this device.");
            if (hasGenerator)
            {
                int length = reader.ReadInt32();
                if (length is < 0 or > 1 << 20) throw new InvalidDataException($"{path}: the generator state is not valid.");
                byte[] bytes = reader.ReadBytes(length);
                if (bytes.Length != length) throw new EndOfStreamException();
                using var state = empty(length, ScalarType.Byte);
                state.bytes = bytes;
                randomness.DeviceGenerator!.set_state(state);
            }
            else if (randomness.Device.type == DeviceType.CUDA)
            {
                // TorchSharp 0.107 cannot read a CUDA generator's state: a resumed CUDA run reseeds it per epoch
                // (it continues correctly, but is not draw-for-draw the uninterrupted run).
                cuda.manual_seed_all(randomness.Seed + epoch);
            }
            if (stream.Position != stream.Length) throw new InvalidDataException($"{path} has trailing data.");
            return epoch;
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path} is truncated.");
        }
    }

    /// <summary>The epoch after which the checkpoint at <paramref name="path"/> was written (its header only).</summary>
    public static int ReadEpoch(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        if (reader.ReadString() != Magic || reader.ReadInt32() != Version) throw new InvalidDataException($"{path} is not a GRU4Rec checkpoint of version {Version}.");
        reader.ReadString(); // parameters
        reader.ReadBytes(SHA256.HashSizeInBytes);
        reader.ReadString(); // device
        return reader.ReadInt32();
    }

    private static string DeviceKind(Device device) => device.type == DeviceType.CPU ? "cpu" : device.type.ToString().ToLowerInvariant();

    /// <summary>Refuses a checkpoint whose parameters differ from <paramref name="options"/> in anything but n_epochs, naming each difference.</summary>
    private static void CheckParameters(string path, string saved, Gru4RecTrainer.Options options)
    {
        Gru4RecTrainer.Options then;
        try { then = Gru4RecTrainer.Options.Parse(saved); }
        catch (FormatException e) { throw new InvalidDataException($"{path}: its parameters are not valid ({e.Message})."); }
        var differences = Gru4RecParameters.All
            .Where(p => p.OfficialName != "n_epochs" && p.GetText(then) != p.GetText(options))
            .Select(p => $"{p.OfficialName}={p.GetText(then)} there, {p.GetText(options)} here")
            .ToList();
        if (differences.Count > 0)
            throw new ArgumentException($"The checkpoint {path} was made with other parameters ({string.Join("; ", differences)}): resume with the same parameters (only n_epochs may change), or train without resuming.", nameof(options));
    }

    private static void WriteTensor(BinaryWriter writer, Tensor t)
    {
        using var flat = t.detach().reshape(-1);
        long count = flat.numel(), step = ChunkBytes / t.ElementSize;
        writer.Write(count);
        writer.Write((int)t.ElementSize);
        for (long start = 0; start < count; start += step)
        {
            using var part = flat.narrow(0, start, Math.Min(step, count - start));
            using var cpu = part.cpu().contiguous();
            writer.Write(cpu.bytes);
        }
    }

    private static void ReadTensor(BinaryReader reader, Tensor t, string path)
    {
        long count = reader.ReadInt64();
        int size = reader.ReadInt32();
        if (count != t.numel() || size != t.ElementSize) throw new InvalidDataException($"{path}: a saved tensor does not fit the parameters.");
        using var flat = t.detach().reshape(-1);
        long step = ChunkBytes / size;
        for (long start = 0; start < count; start += step)
        {
            long length = Math.Min(step, count - start);
            byte[] data = reader.ReadBytes((int)(length * size));
            if (data.Length != length * size) throw new EndOfStreamException();
            using var host = empty(length, t.dtype);
            host.bytes = data;
            using var part = flat.narrow(0, start, length);
            part.copy_(host);
        }
    }
}
