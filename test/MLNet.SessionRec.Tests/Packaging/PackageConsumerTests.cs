using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Xml.Linq;

namespace MLNet.SessionRec.Tests.Packaging;

/// <summary>
/// The packages as a new user meets them: packs the two libraries (already built by the test run) into a temporary
/// folder feed, copies test/PackageConsumer (a console app that references only the package MLNet.SessionRec
/// and libtorch-cpu-linux-x64) outside the repository, builds it, trains GRU4Rec for one epoch on the bundled data, saves,
/// then loads the model in a new process and predicts. Nothing of the repository's build/ folder is imported: the
/// GLIBCXX step comes from the package's buildTransitive targets. Restore goes into a private packages folder (the
/// user's global packages folder serves only as a read-only fallback, so libtorch is not downloaded again), with a
/// unique version, and everything is deleted afterwards.
/// </summary>
[TestClass]
public sealed class PackageConsumerTests
{
    private static readonly string Configuration =
        typeof(PackageConsumerTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    [TestMethod]
    public void PackagesHaveTheirMetadataAndOnlyTheTwoLibrariesArePackable()
    {
        string root = Path.Combine(Path.GetTempPath(), $"sessionrec-meta-{Guid.NewGuid():N}");
        try
        {
            string version = Pack(root);
            var library = Nuspec(root, "MLNet.SessionRec", version);
            var di = Nuspec(root, "MLNet.SessionRec.Extensions.DependencyInjection", version);
            foreach (var (nuspec, id) in new[] { (library, "MLNet.SessionRec"), (di, "MLNet.SessionRec.Extensions.DependencyInjection") })
            {
                Assert.IsFalse(string.IsNullOrWhiteSpace(Meta(nuspec, "description")) || Meta(nuspec, "description") == "Package Description", id);
                Assert.AreEqual("LICENSE", Meta(nuspec, "license"), id);
                Assert.AreEqual("README.md", Meta(nuspec, "readme"), id);
                StringAssert.Contains(Meta(nuspec, "tags"), "ML.NET", id);
                Assert.IsNotNull(nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == "repository"), id);
                Assert.IsTrue(File.Exists(Path.Combine(root, "feed", $"{id}.{version}.snupkg")), $"{id}: symbols package");
            }
            var deps = Dependencies(library);
            CollectionAssert.AreEquivalent(new[] { "Microsoft.ML", "Microsoft.ML.DataView", "TorchSharp" }, deps.Keys.ToArray(),
                "the library depends on TorchSharp only, never on libtorch natives");
            Assert.AreEqual("[5.0.1]", deps["Microsoft.ML"], "Microsoft.ML pinned to the tested version");
            Assert.AreEqual(version, Dependencies(di)["MLNet.SessionRec"]);
            using (var zip = ZipFile.OpenRead(Path.Combine(root, "feed", $"MLNet.SessionRec.{version}.nupkg")))
            {
                var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
                Assert.Contains("buildTransitive/MLNet.SessionRec.targets", entries);
                Assert.Contains("LICENSE", entries);
                Assert.Contains("README.md", entries);
            }
            // docs/getting-started.md starts from `dotnet add package` and names the version the repository builds.
            string doc = File.ReadAllText(Path.Combine(TestData.RepoRoot, "docs", "getting-started.md"));
            string install = doc[doc.IndexOf("## Install", StringComparison.Ordinal)..];
            StringAssert.StartsWith(install[install.IndexOf("```bash\n", StringComparison.Ordinal)..].Split('\n')[2], "dotnet add package MLNet.SessionRec");
            StringAssert.Contains(doc, $"<PackageReference Include=\"MLNet.SessionRec\" Version=\"{version.Split('-')[0]}\" />");
            // Only the two libraries are packable: every other project says IsPackable=false (directly or by default).
            var packable = Directory.GetFiles(TestData.RepoRoot, "*.csproj", SearchOption.AllDirectories)
                .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
                .Where(p => Run("dotnet", $"msbuild \"{p}\" -getProperty:IsPackable", TestData.RepoRoot, null).Trim() == "true")
                .Select(Path.GetFileNameWithoutExtension).Order().ToArray();
            CollectionAssert.AreEqual(new[] { "MLNet.SessionRec", "MLNet.SessionRec.Extensions.DependencyInjection" }, packable);
        }
        finally { TryDelete(root); }
    }

    [TestMethod]
    public void FreshConsoleAppTrainsSavesLoadsAndPredictsFromThePackages()
    {
        string root = Path.Combine(Path.GetTempPath(), $"sessionrec-consumer-{Guid.NewGuid():N}");
        try
        {
            string version = Pack(root);
            string app = Path.Combine(root, "app");
            Directory.CreateDirectory(app);
            foreach (var file in new[] { "PackageConsumer.csproj", "Program.cs" })
                File.Copy(Path.Combine(TestData.RepoRoot, "test", "PackageConsumer", file), Path.Combine(app, file));
            // The feed setup (not part of the app): the temporary feed besides the user's sources; a private packages
            // folder, with the user's global packages folder as a read-only fallback (libtorch is not fetched again).
            string packages = Path.Combine(root, "packages");
            File.WriteAllText(Path.Combine(root, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <config><add key="globalPackagesFolder" value="{packages}" /></config>
                  <packageSources><add key="sessionrec-test-feed" value="{Path.Combine(root, "feed")}" /></packageSources>
                  <fallbackPackageFolders><add key="user" value="{UserPackagesFolder()}" /></fallbackPackageFolders>
                </configuration>
                """);

            string build = Run("dotnet", $"build -c Release -nodeReuse:false -p:UseSharedCompilation=false -p:SessionRecVersion={version}", app, packages);
            StringAssert.Contains(build, "MLNet.SessionRec: marked the GLIBCXX_3.4.32 requirement", "the package's build step acts on the consumer's output");
            foreach (var line in build.Split('\n').Where(l => l.Contains("MLNet.SessionRec: marked", StringComparison.Ordinal))) Console.WriteLine(line.Trim());
            string dll = Path.Combine(app, "bin", "Release", "net10.0", "PackageConsumer.dll");
            string model = Path.Combine(root, "model.zip");

            string trained = Run("dotnet", $"\"{dll}\" train \"{TestData.Rsc15("train_full")}\" \"{model}\"", app, packages);
            string loaded = Run("dotnet", $"\"{dll}\" predict \"{model}\"", app, packages);
            Console.WriteLine(trained);
            Console.WriteLine(loaded);
            string engineTrained = Line(trained, "engine: ");
            Assert.AreEqual(5, engineTrained.Split(' ').Length, trained);
            Assert.AreEqual(engineTrained, Line(loaded, "engine: "), "the model loaded in a new process predicts the same items");
            Assert.AreEqual(engineTrained, Line(loaded, "streaming: "), "the streaming recommender agrees");
        }
        finally { TryDelete(root); }
    }

    /// <summary>Packs the two libraries (no build: the test run built them) with a unique version into root/feed.</summary>
    private static string Pack(string root)
    {
        string suffix = $"test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        string feed = Path.Combine(root, "feed");
        foreach (var project in new[] { "MLNet.SessionRec", "MLNet.SessionRec.Extensions.DependencyInjection" })
            Run("dotnet", $"pack \"{Path.Combine(TestData.RepoRoot, "src", project, project + ".csproj")}\" -c {Configuration} --no-build --no-restore " +
                $"-nodeReuse:false -o \"{feed}\" -p:VersionSuffix={suffix}", TestData.RepoRoot, null);
        var nupkg = Directory.GetFiles(feed, "MLNet.SessionRec.1*.nupkg").Single();
        return Path.GetFileNameWithoutExtension(nupkg)["MLNet.SessionRec.".Length..];
    }

    private static XElement Nuspec(string root, string id, string version)
    {
        using var zip = ZipFile.OpenRead(Path.Combine(root, "feed", $"{id}.{version}.nupkg"));
        using var stream = zip.GetEntry($"{id}.nuspec")!.Open();
        return XElement.Load(stream);
    }

    private static string Meta(XElement nuspec, string name) =>
        nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value.Trim() ?? "";

    private static Dictionary<string, string> Dependencies(XElement nuspec) =>
        nuspec.Descendants().Where(e => e.Name.LocalName == "dependency")
            .ToDictionary(e => (string)e.Attribute("id")!, e => (string)e.Attribute("version")!);

    private static string Line(string output, string prefix) =>
        output.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..]
        ?? throw new AssertFailedException($"no line '{prefix}' in:\n{output}");

    private static string UserPackagesFolder()
    {
        string? env = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        return !string.IsNullOrEmpty(env) ? env : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
    }

    /// <summary>Runs a process to its end; fails the test with its output on a non-zero exit code.</summary>
    private static string Run(string file, string arguments, string directory, string? packagesFolder)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        // The test host's MSBuild variables would point a child build at the test run's MSBuild; the child finds its own.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        if (packagesFolder != null) start.Environment["NUGET_PACKAGES"] = packagesFolder;
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {arguments} did not finish in 10 minutes:\n{output}");
        }
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, $"{file} {arguments} failed:\n{output}");
        return output.ToString();
    }

    private static void TryDelete(string path)
    {
        try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
        catch (IOException e) { Console.WriteLine($"could not delete {path}: {e.Message}"); }
    }
}
