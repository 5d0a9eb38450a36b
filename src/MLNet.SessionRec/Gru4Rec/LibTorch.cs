using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using TorchSharp;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>What <see cref="LibTorch.Load(string)"/> loaded.</summary>
/// <param name="Directory">The full path of the libtorch directory.</param>
/// <param name="Version">The libtorch version found there (e.g. <c>2.10.0+cu128</c>).</param>
/// <param name="VersionSource">The file the version was read from.</param>
/// <param name="HasCuda">Whether the directory holds CUDA libtorch (<c>libtorch_cuda</c>).</param>
public sealed record LibTorchInfo(string Directory, string Version, string VersionSource, bool HasCuda)
{
    /// <summary>One line for logs: version, CUDA or CPU, directory.</summary>
    public override string ToString() => $"libtorch {Version} ({(HasCuda ? "CUDA" : "CPU only")}) from {Directory}";
}

/// <summary>
/// Loads libtorch from a directory before TorchSharp first uses it: the route TorchSharp documents for a Python
/// PyTorch install (load the native libtorch with <see cref="NativeLibrary"/> before TorchSharp initialises; see
/// TorchSharp issue 169). Point it at the <c>lib</c> folder of a PyTorch install
/// (<c>python -c "import torch,os; print(os.path.dirname(torch.__file__)+'/lib')"</c>) or of a libtorch archive to train
/// on CUDA with the CPU build of this library's executables (no <c>TorchSharp-cuda-linux</c> package).
/// <para>
/// The directory's libtorch must be the version TorchSharp's native bridge was built for (<see cref="RequiredVersion"/>):
/// it is read from the install's <c>version.py</c> (PyTorch) or <c>build-version</c> (libtorch archive) next to the
/// folder, and a different or unknown version is refused with what was found. The libraries are loaded by path;
/// TorchSharp then finds them by their names (sonames) and binds its bridge to them.
/// </para>
/// <para>
/// The application must not ship a libtorch of its own (a <c>libtorch-cpu-*</c> or <c>TorchSharp-cuda-*</c> package):
/// TorchSharp 0.107 loads such a copy by its path when it initialises, and two libtorch copies in one process abort it.
/// Such an application is refused with the path of its copy; in this repository build with <c>-p:TorchBackend=none</c>.
/// </para>
/// </summary>
public static class LibTorch
{
    /// <summary>The environment variable naming a libtorch directory; honoured when GRU4Rec first uses TorchSharp.</summary>
    public const string EnvironmentVariable = "SESSIONREC_LIBTORCH";

    /// <summary>The libtorch major.minor version TorchSharp 0.107's native bridge (libLibTorchSharp) is built against.</summary>
    public const string RequiredVersion = "2.10";

    private static readonly object Gate = new();
    private static readonly Dictionary<string, IntPtr> Handles = new(StringComparer.Ordinal);
    private static bool _environmentApplied;

    /// <summary>What was loaded in this process by <see cref="Load(string)"/>, or null.</summary>
    public static LibTorchInfo? Loaded { get; private set; }

    /// <summary>
    /// Loads libtorch from <paramref name="directory"/>; call it before anything uses TorchSharp. Calling it again with
    /// the same directory returns the first result.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty.</exception>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">The directory holds no libtorch (<c>libtorch_cpu</c>).</exception>
    /// <exception cref="NotSupportedException">Its libtorch version is not <see cref="RequiredVersion"/>, or cannot be read.</exception>
    /// <exception cref="InvalidOperationException">TorchSharp (or another call) has already loaded a libtorch in this process, or the
    /// application ships its own libtorch.</exception>
    /// <exception cref="DllNotFoundException">The libraries are there but do not load (e.g. missing CUDA libraries).</exception>
    public static LibTorchInfo Load(string directory)
    {
        if (string.IsNullOrWhiteSpace(directory)) throw new ArgumentException("The libtorch directory is empty.", nameof(directory));
        string full = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full)) throw new DirectoryNotFoundException($"The libtorch directory '{full}' does not exist.");
        string cpuLibrary = Path.Combine(full, FileName("torch_cpu"));
        if (!File.Exists(cpuLibrary))
            throw new FileNotFoundException($"'{full}' holds no {FileName("torch_cpu")}: not a libtorch folder (give the lib folder of a PyTorch install or of a libtorch archive).", cpuLibrary);
        var (version, source) = ReadVersion(full);
        CheckVersion(full, version, source);
        lock (Gate)
        {
            if (Loaded is { } loaded)
            {
                if (string.Equals(loaded.Directory, full, StringComparison.Ordinal)) return loaded;
                throw new InvalidOperationException($"libtorch is already loaded from '{loaded.Directory}'; it cannot be replaced by '{full}' in the same process.");
            }
            if (LoadedTorchModule() is { } already)
                throw new InvalidOperationException($"TorchSharp has already loaded libtorch ({already}): load '{full}' before anything uses TorchSharp.");
            if (ShippedLibTorch(cpuLibrary) is { } shipped)
                throw new InvalidOperationException($"This application ships its own libtorch ('{shipped}'), which TorchSharp would load as well (two libtorch copies abort the process): " +
                    $"build it without a libtorch package (-p:TorchBackend=none in this repository) to load libtorch from '{full}'.");
            bool hasCuda = File.Exists(Path.Combine(full, FileName("torch_cuda")));
            // Dependencies first; torch_global_deps (which pulls in CUDA libraries) is optional, as for PyTorch itself.
            string[] order = ["torch_global_deps", "c10", "c10_cuda", "torch_cpu", "torch_cuda", "torch"];
            foreach (string name in order)
            {
                string path = Path.Combine(full, FileName(name));
                if (!File.Exists(path)) continue;
                if (NativeLibrary.TryLoad(path, out var handle)) { Handles[name] = handle; continue; }
                if (name == "torch_global_deps") continue;
                try { handle = NativeLibrary.Load(path); }
                catch (DllNotFoundException e) { throw new DllNotFoundException($"Loading '{path}' failed: {OneLine(e.Message)}", e); }
                Handles[name] = handle;
            }
            Loaded = new LibTorchInfo(full, version, source, hasCuda);
            return Loaded;
        }
    }

    /// <summary>
    /// Loads libtorch from the directory in <see cref="EnvironmentVariable"/> when it is set (once per process);
    /// returns what is loaded (null when the variable is unset and nothing was loaded).
    /// </summary>
    /// <exception cref="InvalidOperationException">The variable's directory cannot be used; the message names the variable and the reason.</exception>
    public static LibTorchInfo? LoadFromEnvironment() => LoadFromVariable(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary><see cref="LoadFromEnvironment"/> for the variable's value <paramref name="directory"/>.</summary>
    internal static LibTorchInfo? LoadFromVariable(string? directory)
    {
        if (string.IsNullOrWhiteSpace(directory)) return Loaded;
        try
        {
            return Load(directory);
        }
        catch (Exception e) when (e is ArgumentException or IOException or NotSupportedException or InvalidOperationException or DllNotFoundException)
        {
            throw new InvalidOperationException($"{EnvironmentVariable}={directory}: {e.Message}", e);
        }
    }

    /// <summary>Applies <see cref="EnvironmentVariable"/> once, before GRU4Rec's first use of TorchSharp.</summary>
    internal static void EnsureEnvironment()
    {
        if (_environmentApplied) return;
        LoadFromEnvironment();
        _environmentApplied = true;
    }

    /// <summary>
    /// The path of a libtorch (<c>torch_cpu</c>) that TorchSharp would find by itself in the application's native
    /// search directories (a libtorch package of the application), other than <paramref name="ours"/>; null when none.
    /// </summary>
    internal static string? ShippedLibTorch(string ours)
    {
        var directories = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string list)
            directories.AddRange(list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        directories.Add(AppContext.BaseDirectory);
        if (Path.GetDirectoryName(typeof(torch).Assembly.Location) is { Length: > 0 } torchSharp) directories.Add(torchSharp);
        foreach (string directory in directories)
        {
            string candidate = Path.GetFullPath(Path.Combine(directory, FileName("torch_cpu")));
            if (File.Exists(candidate) && !string.Equals(candidate, Path.GetFullPath(ours), StringComparison.Ordinal)) return candidate;
        }
        return null;
    }

    /// <summary>The file name of libtorch library <paramref name="name"/> on this platform (torch_cpu: libtorch_cpu.so, torch_cpu.dll, libtorch_cpu.dylib).</summary>
    internal static string FileName(string name) =>
        OperatingSystem.IsWindows() ? $"{name}.dll" : OperatingSystem.IsMacOS() ? $"lib{name}.dylib" : $"lib{name}.so";

    /// <summary>
    /// The libtorch version of <paramref name="directory"/>: <c>__version__</c> of <c>../version.py</c> (a PyTorch install's
    /// torch/lib) or the first line of <c>../build-version</c> (a libtorch archive's lib).
    /// </summary>
    /// <exception cref="NotSupportedException">Neither file is there, or it holds no version.</exception>
    internal static (string Version, string Source) ReadVersion(string directory)
    {
        string parent = Path.GetFullPath(Path.Combine(directory, ".."));
        string versionPy = Path.Combine(parent, "version.py");
        if (File.Exists(versionPy))
        {
            var match = Regex.Match(ReadHead(versionPy), @"^__version__\s*(?::\s*\w+\s*)?=\s*['""]([^'""]+)['""]", RegexOptions.Multiline);
            if (!match.Success) throw new NotSupportedException($"'{versionPy}' has no __version__: cannot tell which libtorch '{directory}' is; TorchSharp 0.107 needs libtorch {RequiredVersion}.");
            return (match.Groups[1].Value, versionPy);
        }
        string buildVersion = Path.Combine(parent, "build-version");
        if (File.Exists(buildVersion))
        {
            string first;
            using (var reader = MLNet.SessionRec.Data.BoundedLineReader.Open(buildVersion, HeadChars)) first = reader.ReadLine()?.Trim() ?? "";
            if (first.Length == 0) throw new NotSupportedException($"'{buildVersion}' is empty: cannot tell which libtorch '{directory}' is; TorchSharp 0.107 needs libtorch {RequiredVersion}.");
            return (first, buildVersion);
        }
        throw new NotSupportedException($"Found no version.py (PyTorch install) or build-version (libtorch archive) next to '{directory}': cannot check its libtorch version; TorchSharp 0.107 needs libtorch {RequiredVersion}.");
    }

    // version.py is a few lines: its head is enough, and a huge or binary file (a wrong link) is never read whole.
    private const int HeadChars = 1 << 16;

    private static string ReadHead(string path)
    {
        using var reader = MLNet.SessionRec.Data.BoundedLineReader.Open(path, HeadChars);
        var head = new System.Text.StringBuilder();
        for (string? line = reader.ReadLine(); line != null && head.Length < HeadChars; line = reader.ReadLine()) head.Append(line).Append('\n');
        return head.ToString();
    }

    /// <summary>Refuses a version whose major.minor is not <see cref="RequiredVersion"/>, saying what was found.</summary>
    internal static void CheckVersion(string directory, string version, string source)
    {
        var match = Regex.Match(version, @"^(\d+)\.(\d+)");
        if (!match.Success || $"{match.Groups[1].Value}.{match.Groups[2].Value}" != RequiredVersion)
            throw new NotSupportedException($"'{directory}' holds libtorch {version} (from {source}), but TorchSharp 0.107 needs libtorch {RequiredVersion}: " +
                $"install PyTorch {RequiredVersion} (pip install \"torch=={RequiredVersion}.*\") or build with -p:TorchBackend=cuda.");
    }

    /// <summary>The path of a libtorch or TorchSharp native library already mapped into this process, or null.</summary>
    internal static string? LoadedTorchModule()
    {
        string[] names = [FileName("torch_cpu"), FileName("LibTorchSharp")];
        try
        {
            using var process = Process.GetCurrentProcess();
            foreach (ProcessModule module in process.Modules)
                if (names.Contains(module.ModuleName, StringComparer.OrdinalIgnoreCase)) return module.FileName;
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            // Module list unavailable: rely on the loader's own checks.
        }
        return null;
    }

    private static string OneLine(string text) => string.Join(" ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
