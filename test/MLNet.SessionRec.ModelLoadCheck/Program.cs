using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

// Usage: ModelLoadCheck <model.zip> <sessions.txt> <predictions.txt> [<test-events.tsv>]
// sessions.txt: one session prefix per line, item ids separated by spaces (an empty line is an empty session).
// Writes one line per session: the predicted item ids, a tab, the scores as round-trip floats. With test events
// (SessionId, ItemId, Time; tab-separated with a header) it also prints "Recall@20=<value> MRR@20=<value>".
// ModelLoadCheck --checked-load <model.zip>: the crafted-model tests' child (MLNet.SessionRec.ModelLoadCheck.CheckedLoad).
if (args is ["--checked-load", var checkedModel]) return MLNet.SessionRec.ModelLoadCheck.CheckedLoad.Run(checkedModel);
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: ModelLoadCheck <model.zip> <sessions.txt> <predictions.txt> [<test-events.tsv>]");
    return 2;
}
var ml = new MLContext(seed: 0);
var model = ml.Model.Load(args[0], out _);
var sessions = File.ReadAllLines(args[1]).Select(l => new Session { ItemId = l.Split(' ', StringSplitOptions.RemoveEmptyEntries) }).ToList();
var predicted = model.Transform(ml.Data.LoadFromEnumerable(sessions));
if (predicted.Schema["PredictedItems"].Type is VectorDataViewType { ItemType: KeyDataViewType })
    predicted = ml.Transforms.Conversion.MapKeyToValue("PredictedItems").Fit(predicted).Transform(predicted);
using (var output = new StreamWriter(args[2]))
{
    foreach (var row in ml.Data.CreateEnumerable<Prediction>(predicted, reuseRowObject: false))
        output.WriteLine(string.Join(' ', row.PredictedItems) + "\t" + string.Join(' ', row.Score.Select(s => s.ToString("R", CultureInfo.InvariantCulture))));
}
if (args.Length > 3) MLNet.SessionRec.ModelLoadCheck.Evaluation.Print(ml, model, args[3]);
return 0;

internal sealed class Session
{
    public string[] ItemId { get; set; } = [];
}

internal sealed class Prediction
{
    public string[] PredictedItems { get; set; } = [];
    public float[] Score { get; set; } = [];
}
