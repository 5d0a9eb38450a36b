using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SessionRec.Tests.Pipeline;

/// <summary>Event rows, session prefixes and the child-process runner shared by the pipeline tests.</summary>
internal static class PipelineTestData
{
    public sealed class Session
    {
        public string[] ItemId { get; set; } = [];
    }

    public sealed class Prediction
    {
        public string[] PredictedItems { get; set; } = [];
        public float[] Score { get; set; } = [];
    }

    /// <summary>An rsc15-100k events file (SessionId, ItemId as text, Time) as an IDataView.</summary>
    public static IDataView Events(MLContext ml, string part) =>
        ml.Data.CreateTextLoader(new[]
        {
            new TextLoader.Column("SessionId", DataKind.String, 0),
            new TextLoader.Column("ItemId", DataKind.String, 1),
            new TextLoader.Column("Time", DataKind.Double, 2),
        }, separatorChar: '\t', hasHeader: true).Load(TestData.Rsc15(part));

    /// <summary>Every proper prefix (length 1 .. n-1) of the first <paramref name="sessions"/> sessions of a file.</summary>
    public static List<string[]> Prefixes(string part, int sessions)
    {
        var bySession = File.ReadLines(TestData.Rsc15(part)).Skip(1).Select(l => l.Split('\t'))
            .GroupBy(f => f[0]).Take(sessions)
            .Select(g => g.OrderBy(f => double.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture)).Select(f => f[1]).ToArray());
        return bySession.SelectMany(s => Enumerable.Range(1, s.Length - 1).Select(n => s[..n])).ToList();
    }

    /// <summary>Predictions of <paramref name="model"/> for <paramref name="prefixes"/> with key outputs mapped back to ids.</summary>
    public static List<Prediction> Predict(MLContext ml, ITransformer model, IEnumerable<string[]> prefixes)
    {
        var predicted = model.Transform(ml.Data.LoadFromEnumerable(prefixes.Select(p => new Session { ItemId = p })));
        if (predicted.Schema["PredictedItems"].Type is VectorDataViewType { ItemType: KeyDataViewType })
            predicted = ml.Transforms.Conversion.MapKeyToValue("PredictedItems").Fit(predicted).Transform(predicted);
        return ml.Data.CreateEnumerable<Prediction>(predicted, reuseRowObject: false).ToList();
    }

    /// <summary>Lines as the child process writes them: ids, tab, round-trip scores.</summary>
    public static string Line(Prediction p) =>
        string.Join(' ', p.PredictedItems) + "\t" + string.Join(' ', p.Score.Select(s => s.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Runs test/MLNet.SessionRec.ModelLoadCheck in a new process; returns its standard output.</summary>
    public static string RunLoadCheck(params string[] args)
    {
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/<Configuration>/net10.0
        string dll = Path.Combine(TestData.RepoRoot, "test", "MLNet.SessionRec.ModelLoadCheck", "bin", configuration, "net10.0", "MLNet.SessionRec.ModelLoadCheck.dll");
        Assert.IsTrue(File.Exists(dll), $"child process not built: {dll}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5))) { process.Kill(true); Assert.Fail("child process timed out"); }
        Assert.AreEqual(0, process.ExitCode, $"child process failed:\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }
}
