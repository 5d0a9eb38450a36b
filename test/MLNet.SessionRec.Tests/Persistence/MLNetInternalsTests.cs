using System.Reflection;
using MLNet.SessionRec.Tests.Architecture;

namespace MLNet.SessionRec.Tests.Persistence;

/// <summary>
/// Pins the ML.NET internals that the library relies on: every member our IL references is resolved against the
/// real Microsoft.ML assemblies loaded in this process (a removed or changed internal member fails here, loudly,
/// instead of at a user's model load), and internal members may only be used from the Persistence folder.
/// </summary>
[TestClass]
public sealed class MLNetInternalsTests
{
    private const string ModelFormatNamespace = "MLNet.SessionRec.Persistence";

    [TestMethod]
    public void InternalMLNetMembersExistAndAreUsedOnlyByPersistence()
    {
        var library = typeof(SessionRecommendationTransformer).Assembly;
        var internalUses = new List<(Type Caller, MemberInfo Member)>();
        foreach (var type in library.GetTypes())
        {
            foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
            {
                foreach (var member in IlReferences.Members(method))
                {
                    if (!IsMLNet(member) || IsAccessibleFromOutside(member)) continue;
                    internalUses.Add((type, member));
                }
            }
        }
        // Resolving attribute constructors proves the LoadableClass attribute binds to the real ML.NET.
        var loadable = library.GetCustomAttributesData().Where(a => a.AttributeType.Name == "LoadableClassAttribute").ToList();
        Assert.HasCount(1, loadable, "the transformer's LoadableClass attribute");

        var names = internalUses.Select(u => $"{u.Member.DeclaringType?.Name}.{u.Member.Name}").Distinct().ToList();
        // The scanner must see the internals we know we use; otherwise the test would pass vacuously.
        foreach (string expected in new[] { "ModelSaveContext.SaveBinaryStream", "ModelLoadContext.TryLoadBinaryStream", "ModelSaveContext.SetVersionInfo", "VersionInfo..ctor" })
            CollectionAssert.Contains(names, expected, $"internal uses seen: {string.Join(", ", names)}");
        var outside = internalUses.Where(u => u.Caller.Namespace != ModelFormatNamespace)
            .Select(u => $"{u.Caller.FullName} uses {u.Member.DeclaringType?.FullName}.{u.Member.Name}").Distinct().ToList();
        Assert.AreEqual("", string.Join("\n", outside), "ML.NET internals used outside Persistence");
    }

    [TestMethod]
    public void PublicApiExposesNoInternalMLNetType()
    {
        var library = typeof(SessionRecommendationTransformer).Assembly;
        var problems = new List<string>();
        foreach (var type in library.GetExportedTypes())
        {
            var signatureTypes = new List<(string Where, Type Type)>();
            if (type.BaseType != null) signatureTypes.Add(("base", type.BaseType));
            signatureTypes.AddRange(type.GetInterfaces().Select(i => ("interface", i)));
            foreach (var member in type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                switch (member)
                {
                    case MethodBase m:
                        signatureTypes.AddRange(m.GetParameters().Select(p => (m.Name, p.ParameterType)));
                        if (m is MethodInfo mi) signatureTypes.Add((m.Name, mi.ReturnType));
                        break;
                    case PropertyInfo p: signatureTypes.Add((p.Name, p.PropertyType)); break;
                    case FieldInfo f: signatureTypes.Add((f.Name, f.FieldType)); break;
                }
            }
            foreach (var (where, t) in signatureTypes)
                foreach (var used in Flatten(t))
                    if (used.Assembly.GetName().Name!.StartsWith("Microsoft.ML", StringComparison.Ordinal) && !used.IsVisible)
                        problems.Add($"{type.FullName}.{where}: {used.FullName}");
        }
        Assert.AreEqual("", string.Join("\n", problems), "internal ML.NET types in the public API");
    }

    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static IEnumerable<Type> Flatten(Type t)
    {
        if (t.HasElementType) { foreach (var e in Flatten(t.GetElementType()!)) yield return e; yield break; }
        if (t.IsGenericParameter) yield break;
        yield return t.IsGenericType ? t.GetGenericTypeDefinition() : t;
        if (t.IsGenericType) foreach (var a in t.GetGenericArguments()) foreach (var e in Flatten(a)) yield return e;
    }

    private static bool IsMLNet(MemberInfo member) =>
        (member as Type ?? member.DeclaringType)?.Assembly.GetName().Name?.StartsWith("Microsoft.ML", StringComparison.Ordinal) == true;

    private static bool IsAccessibleFromOutside(MemberInfo member)
    {
        var declaring = member as Type ?? member.DeclaringType!;
        if (!declaring.IsVisible) return false;
        return member switch
        {
            MethodBase m => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly,
            FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
            _ => true,
        };
    }
}
