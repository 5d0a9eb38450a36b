using System.Globalization;
using MLNet.SessionRec.EvaluationApp.Running;
using Spectre.Console;

namespace MLNet.SessionRec.EvaluationApp.Reporting;

/// <summary>Shows training progress: live bars on a terminal, plain lines in logs, nothing with <c>--quiet</c>.</summary>
internal abstract class ProgressView
{
    /// <summary>Runs <paramref name="work"/> while showing what it reports.</summary>
    public abstract T Run<T>(Func<ITrainingProgress, T> work);

    /// <summary>Chooses the view for the output and the quiet flag.</summary>
    public static ProgressView For(IAnsiConsole console, TextWriter error, bool quiet) =>
        quiet ? new Silent(error) : console.Profile.Capabilities.Interactive ? new Live(console) : new Lines(console);

    /// <summary>The one-line summary of an epoch, shared by both visible views.</summary>
    public static string Describe(string model, int epochs, EpochRecord e)
    {
        string text = string.Create(CultureInfo.InvariantCulture,
            $"{model} epoch {e.Epoch}/{epochs}  loss {e.Loss:0.0000}  {e.EventsPerSecond:N0} events/s  {e.Seconds:0.0} s");
        if (e.Recall.HasValue) text += string.Create(CultureInfo.InvariantCulture, $"  recall {e.Recall:0.0000}  mrr {e.Mrr:0.0000}");
        return text;
    }

    private static string Done(ModelResult r)
    {
        int k = r.Evaluation.ByCutoff.Keys.Max();
        var m = r.Evaluation.ByCutoff[k];
        return string.Create(CultureInfo.InvariantCulture,
            $"{r.Trained.Name} done: Recall@{k} {m.Recall:0.0000}  MRR@{k} {m.Mrr:0.0000}  (train {r.Trained.TrainSeconds:0.0} s, eval {r.Evaluation.Seconds:0.0} s)");
    }

    private sealed class Silent(TextWriter error) : ProgressView, ITrainingProgress
    {
        public override T Run<T>(Func<ITrainingProgress, T> work) => work(this);
        public void BeginModel(string model, int epochs) { }
        public void EpochFraction(string model, int epoch, double fraction) { }
        public void EpochEnded(string model, EpochRecord epoch) { }
        public void Note(string message) => error.WriteLine($"warning: {UserText.Escape(message)}");
        public void BeginEvaluation(string model) { }
        public void EndModel(ModelResult result) { }
    }

    private sealed class Lines(IAnsiConsole console) : ProgressView, ITrainingProgress
    {
        private int _epochs;
        public override T Run<T>(Func<ITrainingProgress, T> work) => work(this);
        public void BeginModel(string model, int epochs) { _epochs = epochs; console.WriteLine($"{model}: training"); }
        public void EpochFraction(string model, int epoch, double fraction) { }
        public void EpochEnded(string model, EpochRecord epoch) => console.WriteLine(Describe(model, _epochs, epoch));
        public void Note(string message) => console.WriteLine($"note: {UserText.Escape(message)}");
        public void BeginEvaluation(string model) => console.WriteLine($"{model}: evaluating");
        public void EndModel(ModelResult result) => console.WriteLine(Done(result));
    }

    private sealed class Live(IAnsiConsole console) : ProgressView
    {
        public override T Run<T>(Func<ITrainingProgress, T> work) =>
            console.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(),
                         new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .Start(context => work(new Sink(context)));

        private sealed class Sink(ProgressContext context) : ITrainingProgress
        {
            private ProgressTask? _task;
            private int _epochs;

            public void BeginModel(string model, int epochs)
            {
                _epochs = epochs;
                _task = epochs > 0 ? NewEpochTask(model, 1) : context.AddTask($"{Markup.Escape(model)} training").IsIndeterminate();
            }

            public void EpochFraction(string model, int epoch, double fraction)
            {
                if (_task != null) _task.Value = Math.Clamp(fraction, 0, 1) * 100;
            }

            public void EpochEnded(string model, EpochRecord epoch)
            {
                if (_task == null) return;
                _task.Description = Markup.Escape(Describe(model, _epochs, epoch));
                _task.Value = 100;
                _task.StopTask();
                _task = epoch.Epoch < _epochs ? NewEpochTask(model, epoch.Epoch + 1) : null;
            }

            public void Note(string message) => context.AddTask($"[yellow]{Markup.Escape(UserText.Escape(message))}[/]").StopTask();

            public void BeginEvaluation(string model)
            {
                _task?.StopTask();
                _task = context.AddTask($"{Markup.Escape(model)} evaluating").IsIndeterminate();
            }

            public void EndModel(ModelResult result)
            {
                if (_task == null) return;
                _task.Description = Markup.Escape(Done(result));
                _task.IsIndeterminate = false;
                _task.Value = 100;
                _task.StopTask();
                _task = null;
            }

            private ProgressTask NewEpochTask(string model, int epoch) =>
                context.AddTask(Markup.Escape($"{model} epoch {epoch}/{_epochs}"), maxValue: 100);
        }
    }
}
