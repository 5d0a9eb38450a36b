// dotnet run -- train <train.tsv> <model.zip>   trains GRU4Rec for one epoch, saves it, prints its recommendations
// dotnet run -- predict <model.zip>             loads the model (a new process) and prints the same recommendations
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SessionRec;
using MLNet.SessionRec.Gru4Rec;

var mlContext = new MLContext(seed: 42);
string[] session = ["214716935", "214832672"];

if (args[0] == "train")
{
    IDataView train = mlContext.Data.LoadFromTextFile<Click>(args[1], hasHeader: true);
    var trainer = mlContext.SessionRecommendation().Trainers.Gru4Rec(new Gru4RecTrainer.Options { NumberOfEpochs = 1 });
    using SessionRecommendationTransformer model = trainer.Fit(train);
    mlContext.Model.Save(model, train.Schema, args[2]);
    Console.WriteLine($"trained {model.Model.Name} on {model.Model.Items.Count} items, saved {new FileInfo(args[2]).Length} bytes");
    Print("engine", Predict(model));
}
else
{
    using var loaded = (SessionRecommendationTransformer)mlContext.Model.Load(args[1], out _);
    Print("engine", Predict(loaded));

    using var recommender = SessionRecommender.Load(mlContext, args[1]);
    Print("streaming", recommender.Recommend(session, topK: 5).Select(r => r.ItemId).ToArray());
}

string[] Predict(ITransformer model)
{
    using var engine = mlContext.Model.CreatePredictionEngine<Session, Recommendation>(model);
    return engine.Predict(new Session { ItemId = session }).PredictedItems.Take(5).ToArray();
}

static void Print(string how, string[] items) => Console.WriteLine($"{how}: {string.Join(' ', items)}");

public sealed class Click
{
    [LoadColumn(0)] public string SessionId { get; set; } = "";
    [LoadColumn(1)] public string ItemId { get; set; } = "";
    [LoadColumn(2)] public double Time { get; set; }
}

public sealed class Session
{
    public string[] ItemId { get; set; } = [];
}

public sealed class Recommendation
{
    public string[] PredictedItems { get; set; } = [];
    public float[] Score { get; set; } = [];
}
