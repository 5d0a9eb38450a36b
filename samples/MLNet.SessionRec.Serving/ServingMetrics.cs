using System.Diagnostics.Metrics;

namespace MLNet.SessionRec.Serving;

/// <summary>The service's OpenTelemetry metrics (meter <see cref="MeterName"/>; Prometheus at <c>/metrics</c>).</summary>
public sealed class ServingMetrics
{
    public const string MeterName = "MLNet.SessionRec.Serving";
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _ignored, _events, _restarted, _conflicts, _storeErrors;

    public ServingMetrics(IMeterFactory meters, ISessionStore store, ModelHost model)
    {
        var meter = meters.Create(MeterName);
        _duration = meter.CreateHistogram<double>("sessionrec.request.duration", "ms",
            "Time to answer a session request (store read, model step, store write, top-k).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 25, 50, 100, 250, 1000] });
        _events = meter.CreateCounter<long>("sessionrec.events", "{event}", "Events received.");
        _ignored = meter.CreateCounter<long>("sessionrec.ignored_items", "{event}", "Events whose item the model does not know (accepted and ignored).");
        _restarted = meter.CreateCounter<long>("sessionrec.sessions.restarted", "{session}", "Sessions restarted because their state belonged to a replaced model.");
        _conflicts = meter.CreateCounter<long>("sessionrec.store.conflicts", "{write}", "Optimistic writes that lost to another writer and were re-applied.");
        _storeErrors = meter.CreateCounter<long>("sessionrec.store.unavailable", "{request}", "Requests answered 503 because the session store was unreachable.");
        meter.CreateObservableGauge("sessionrec.sessions.live", () => new Measurement<long>(store.LiveSessions,
            new KeyValuePair<string, object?>("store", store.Kind)), "{session}", "Live sessions in the store.");
        meter.CreateObservableGauge("sessionrec.model.info", () => model.Ready
            ? [new Measurement<int>(1, new KeyValuePair<string, object?>("version", ModelHost.Version(model.Current)))]
            : Array.Empty<Measurement<int>>(), null, "The model being served (label version = the start of its SHA-256).");
    }

    public void Request(string endpoint, double milliseconds) =>
        _duration.Record(milliseconds, new KeyValuePair<string, object?>("endpoint", endpoint));

    public void Event(bool ignored)
    {
        _events.Add(1);
        if (ignored) _ignored.Add(1);
    }

    public void Restarted() => _restarted.Add(1);

    public void Conflict() => _conflicts.Add(1);

    public void StoreUnavailable() => _storeErrors.Add(1);
}
