using System.Text.Json;
using MLNet.SessionRec.EvaluationApp.Running;

namespace MLNet.SessionRec.EvaluationApp.Reporting;

/// <summary>
/// Writes <c>--report-json</c>. The schema is stable and documented in docs/evaluation.md; keys are lower case.
/// Bump <see cref="SchemaVersion"/> when a key changes meaning or disappears (new keys may be added).
/// </summary>
internal static class JsonReport
{
    /// <summary>Version of the report schema.</summary>
    public const int SchemaVersion = 1;

    /// <summary>The metric names written for every cut-off K, as <c>name@K</c>.</summary>
    public static readonly string[] MetricNames = ["recall", "mrr", "ndcg", "coverage", "popularity"];

    /// <summary>Writes the report of a run to <paramref name="path"/>, atomically (<c>AtomicFile</c>).</summary>
    public static void Write(string path, IReadOnlyList<ModelResult> results, int[] cutoffs, TieMode ties, DatasetSummary data)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        FileChecks.WriteAtomically(path, "report", stream => Write(stream, results, cutoffs, ties, data));
    }

    private static void Write(Stream stream, IReadOnlyList<ModelResult> results, int[] cutoffs, TieMode ties, DatasetSummary data)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("version", SchemaVersion);
        json.WriteString("ties", ties.ToString().ToLowerInvariant());
        json.WriteStartArray("cutoffs");
        foreach (int k in cutoffs) json.WriteNumberValue(k);
        json.WriteEndArray();
        json.WriteStartArray("models");
        foreach (var r in results)
        {
            json.WriteStartObject();
            json.WriteString("model", r.Trained.Name);
            json.WriteStartObject("params");
            foreach (var (name, value) in r.Trained.Params) WriteValue(json, name, value);
            json.WriteEndObject();
            json.WriteStartObject("metrics");
            foreach (int k in cutoffs)
            {
                var m = r.Evaluation.ByCutoff[k];
                json.WriteNumber($"recall@{k}", m.Recall);
                json.WriteNumber($"mrr@{k}", m.Mrr);
                json.WriteNumber($"ndcg@{k}", m.Ndcg);
                json.WriteNumber($"coverage@{k}", m.Coverage);
                json.WriteNumber($"popularity@{k}", m.Popularity);
            }
            json.WriteEndObject();
            json.WriteNumber("train_seconds", r.Trained.TrainSeconds);
            json.WriteNumber("train_events_per_second", r.Trained.TrainEventsPerSecond);
            json.WriteNumber("eval_seconds", r.Evaluation.Seconds);
            json.WriteStartObject("dataset");
            json.WriteNumber("train_events", data.TrainEvents);
            json.WriteNumber("test_predictions", r.Evaluation.Predictions);
            json.WriteNumber("test_events_dropped_unknown", r.Evaluation.DroppedUnknown);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter json, string name, object value)
    {
        switch (value)
        {
            case bool b: json.WriteBoolean(name, b); break;
            case int i: json.WriteNumber(name, i); break;
            case long l: json.WriteNumber(name, l); break;
            case float f: json.WriteNumber(name, f); break;
            case double d: json.WriteNumber(name, d); break;
            case int[] list:
                json.WriteStartArray(name);
                foreach (int v in list) json.WriteNumberValue(v);
                json.WriteEndArray();
                break;
            default: json.WriteString(name, value.ToString()); break;
        }
    }
}
