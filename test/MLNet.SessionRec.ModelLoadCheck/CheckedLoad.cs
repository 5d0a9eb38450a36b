using Microsoft.ML;

namespace MLNet.SessionRec.ModelLoadCheck;

/// <summary>
/// Loads a model with <see cref="SessionRecommender.Load(MLContext, string, int?, string?)"/> and prints, one per line,
/// <c>baseline_kb=</c> (resident memory just before the load), <c>outcome=loaded</c> or <c>outcome=refused</c> with
/// <c>error=</c> (the exception's type and message) and <c>peak_kb=</c> (the process's peak resident memory, Linux'
/// VmHWM). Exit code 0 when loaded, 3 when refused.
/// </summary>
internal static class CheckedLoad
{
    public static int Run(string path)
    {
        var ml = new MLContext(seed: 0);
        GC.Collect();
        Console.WriteLine($"baseline_kb={Status("VmRSS")}");
        int code;
        try
        {
            using var recommender = SessionRecommender.Load(ml, path);
            Console.WriteLine("outcome=loaded");
            code = 0;
        }
        catch (Exception e)
        {
            Console.WriteLine("outcome=refused");
            Console.WriteLine($"error={e.GetType().Name}: {e.Message.ReplaceLineEndings("\\n")}");
            code = 3;
        }
        Console.WriteLine($"peak_kb={Status("VmHWM")}");
        return code;
    }

    private static long Status(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        return -1;
    }
}
