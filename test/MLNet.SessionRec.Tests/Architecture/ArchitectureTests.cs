using System.Reflection;

namespace MLNet.SessionRec.Tests.Architecture;

/// <summary>
/// The library's shape (docs/architecture.md): namespaces depend on each other one way only, data flows
/// Data -> Persistence -> MLNet.SessionRec (contracts, evaluation, transformer, serving) -> the models, and the public
/// surface is the few namespaces a user needs. Dependencies are read from the compiled assembly: signatures, base
/// types, attributes' types and every type or member the IL of a method references.
/// </summary>
[TestClass]
public sealed class ArchitectureTests
{
    private const string Root = "MLNet.SessionRec";
    private static readonly Assembly Library = typeof(SessionRecommendationTransformer).Assembly;

    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [TestMethod]
    public void NamespacesHaveNoCycles()
    {
        var graph = NamespaceGraph(Library);
        Assert.IsGreaterThanOrEqualTo(5, graph.Count, $"namespaces seen: {string.Join(", ", graph.Keys)}");
        var cycles = StronglyConnected(graph).Where(c => c.Count > 1).ToList();
        Assert.AreEqual("", string.Join("\n", cycles.Select(c => string.Join(" <-> ", c.Order()) + ": " + Evidence(c))),
            "namespace cycles (data must flow one way: Data -> Persistence -> MLNet.SessionRec -> models)");
    }

    [TestMethod]
    public void DataFlowsOneWay()
    {
        var graph = NamespaceGraph(Library);
        // Layers, lowest first: a namespace may use its own layer's and lower ones only.
        string[][] layers =
        [
            [$"{Root}.Data"],
            [$"{Root}.Persistence"],
            [Root],
            [$"{Root}.Gru4Rec", $"{Root}.Baselines"],
        ];
        int LayerOf(string ns) => Array.FindIndex(layers, l => l.Contains(ns));
        var unknown = graph.Keys.Where(ns => LayerOf(ns) < 0).ToList();
        Assert.AreEqual("", string.Join(", ", unknown), "namespaces without a place in the layering (add them to docs/architecture.md and here)");
        var upward = graph.SelectMany(kv => kv.Value.Select(to => (From: kv.Key, To: to)))
            .Where(e => LayerOf(e.To) > LayerOf(e.From) || (LayerOf(e.To) == LayerOf(e.From) && e.To != e.From))
            .Select(e => $"{e.From} -> {e.To}: {Evidence([e.From, e.To])}").ToList();
        Assert.AreEqual("", string.Join("\n", upward), "dependencies against the flow of data");
    }

    [TestMethod]
    public void ThePublicSurfaceIsFourNamespaces()
    {
        var publicNamespaces = Library.GetExportedTypes().Select(t => t.Namespace!).Distinct().Order().ToList();
        CollectionAssert.AreEqual(new[] { Root, $"{Root}.Baselines", $"{Root}.Data", $"{Root}.Gru4Rec" }, publicNamespaces,
            string.Join(", ", publicNamespaces));
    }

    private static readonly Dictionary<(string From, string To), string> Witness = new();

    private static string Evidence(IReadOnlyCollection<string> namespaces)
    {
        lock (Witness)
            return string.Join("; ", Witness.Where(w => namespaces.Contains(w.Key.From) && namespaces.Contains(w.Key.To) && w.Key.From != w.Key.To)
                .Select(w => $"{w.Key.From} uses {w.Key.To} in {w.Value}").Take(6));
    }

    /// <summary>Library namespace -> library namespaces its types use.</summary>
    internal static Dictionary<string, HashSet<string>> NamespaceGraph(Assembly assembly)
    {
        var graph = new Dictionary<string, HashSet<string>>();
        foreach (var type in assembly.GetTypes())
        {
            string? from = type.Namespace;
            if (from is null || !IsLibrary(from)) continue;
            if (!graph.TryGetValue(from, out var edges)) graph[from] = edges = [];
            foreach (var used in UsedTypes(type))
            {
                if (used.Namespace is not { } to || !IsLibrary(to) || used.Assembly != assembly) continue;
                edges.Add(to);
                lock (Witness) Witness.TryAdd((from, to), $"{type.FullName} -> {used.FullName}");
            }
        }
        return graph;
    }

    private static bool IsLibrary(string ns) => ns == Root || ns.StartsWith(Root + ".", StringComparison.Ordinal);

    private static IEnumerable<Type> UsedTypes(Type type)
    {
        var direct = new List<Type>();
        if (type.BaseType != null) direct.Add(type.BaseType);
        direct.AddRange(type.GetInterfaces());
        direct.AddRange(type.GetCustomAttributesData().Select(a => a.AttributeType));
        foreach (var f in type.GetFields(All)) direct.Add(f.FieldType);
        foreach (var p in type.GetProperties(All)) direct.Add(p.PropertyType);
        foreach (var m in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            direct.AddRange(m.GetParameters().Select(p => p.ParameterType));
            if (m is MethodInfo mi) direct.Add(mi.ReturnType);
            foreach (var member in IlReferences.Members(m))
                direct.Add(member as Type ?? member.DeclaringType!);
        }
        return direct.Where(t => t != null).SelectMany(Flatten);
    }

    private static IEnumerable<Type> Flatten(Type t)
    {
        if (t.HasElementType) { foreach (var e in Flatten(t.GetElementType()!)) yield return e; yield break; }
        if (t.IsGenericParameter) yield break;
        yield return t.IsGenericType ? t.GetGenericTypeDefinition() : t;
        if (t.IsGenericType) foreach (var a in t.GetGenericArguments()) foreach (var e in Flatten(a)) yield return e;
    }

    /// <summary>Tarjan's strongly connected components.</summary>
    internal static List<List<string>> StronglyConnected(Dictionary<string, HashSet<string>> graph)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var result = new List<List<string>>();
        int counter = 0;
        void Visit(string v)
        {
            index[v] = low[v] = counter++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in graph.GetValueOrDefault(v) ?? [])
            {
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do { x = stack.Pop(); onStack.Remove(x); component.Add(x); } while (x != v);
            result.Add(component);
        }
        foreach (var v in graph.Keys) if (!index.ContainsKey(v)) Visit(v);
        return result;
    }

    [TestMethod]
    public void TheCycleFinderFindsACycle()
    {
        var graph = new Dictionary<string, HashSet<string>> { ["a"] = ["b"], ["b"] = ["c"], ["c"] = ["a"], ["d"] = ["a"] };
        var cycles = StronglyConnected(graph).Where(c => c.Count > 1).ToList();
        Assert.HasCount(1, cycles);
        CollectionAssert.AreEquivalent(new[] { "a", "b", "c" }, cycles[0]);
    }
}
