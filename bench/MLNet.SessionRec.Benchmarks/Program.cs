using System.Reflection;
using MLNet.SessionRec.Benchmarks;

// Every IBenchmark in this assembly is a command.
var benchmarks = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface)
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name)
    .ToList();
var chosen = args.Length > 0 ? benchmarks.FirstOrDefault(b => b.Name == args[0]) : null;
if (chosen == null)
{
    Console.Error.WriteLine("usage: MLNet.SessionRec.Benchmarks NAME [args]");
    foreach (var b in benchmarks) Console.Error.WriteLine($"  {b.Name,-12} {b.Description}");
    return 2;
}
return chosen.Run(args[1..]);
