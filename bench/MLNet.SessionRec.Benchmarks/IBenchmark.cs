namespace MLNet.SessionRec.Benchmarks;

/// <summary>One benchmark, run as `dotnet run --project bench/MLNet.SessionRec.Benchmarks -c Release -- NAME [args]`.</summary>
internal interface IBenchmark
{
    /// <summary>Name on the command line.</summary>
    string Name { get; }

    /// <summary>One line of help.</summary>
    string Description { get; }

    /// <summary>Runs the benchmark and prints its figures; returns the exit code.</summary>
    int Run(string[] args);
}
