using System.Reflection;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// Saves and restores the state of a seeded <see cref="System.Random"/> (the CPU's negative-sample draws), so a
/// resumed run continues the same stream. .NET offers no API for it; the state is the fields of the generator's
/// implementation object (integers, integer arrays and structs of them), copied by reflection. A runtime whose
/// generator holds anything else is refused with <see cref="NotSupportedException"/> rather than saved wrongly.
/// </summary>
internal static class RandomState
{
    private const BindingFlags Fields = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    /// <summary>The state of <paramref name="random"/> as bytes.</summary>
    public static byte[] Capture(Random random)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream)) Write(writer, Implementation(random));
        return stream.ToArray();
    }

    /// <summary>Puts <paramref name="random"/> (a seeded <see cref="Random"/>) into the state <paramref name="state"/> from <see cref="Capture"/>.</summary>
    public static void Restore(Random random, byte[] state)
    {
        using var reader = new BinaryReader(new MemoryStream(state));
        Read(reader, Implementation(random));
        if (reader.BaseStream.Position != state.Length) throw new InvalidDataException("The saved random-generator state is longer than this runtime's.");
    }

    private static object Implementation(Random random)
    {
        if (random.GetType() != typeof(Random)) throw Unsupported($"a {random.GetType().Name} is not a System.Random");
        var field = typeof(Random).GetField("_impl", Fields) ?? throw Unsupported("System.Random has no _impl");
        return field.GetValue(random) ?? throw Unsupported("System.Random has no implementation object");
    }

    private static NotSupportedException Unsupported(string why) =>
        new($"Cannot checkpoint the negative sampler's System.Random on this .NET runtime ({why}).");

    private static IEnumerable<FieldInfo> FieldsOf(Type type)
    {
        for (var t = type; t != null && t != typeof(object); t = t.BaseType)
            foreach (var f in t.GetFields(Fields).OrderBy(f => f.MetadataToken)) yield return f;
    }

    private static void Write(BinaryWriter writer, object target)
    {
        foreach (var f in FieldsOf(target.GetType()))
        {
            switch (f.GetValue(target))
            {
                case int i: writer.Write(i); break;
                case uint u: writer.Write(u); break;
                case long l: writer.Write(l); break;
                case ulong ul: writer.Write(ul); break;
                case double d: writer.Write(d); break;
                case bool b: writer.Write(b); break;
                case int[] array:
                    writer.Write(array.Length);
                    foreach (int v in array) writer.Write(v);
                    break;
                case ValueType value when !f.FieldType.IsPrimitive && !f.FieldType.IsEnum: Write(writer, value); break;
                default: throw Unsupported($"field {f.DeclaringType?.Name}.{f.Name} of type {f.FieldType.Name}");
            }
        }
    }

    private static void Read(BinaryReader reader, object target)
    {
        foreach (var f in FieldsOf(target.GetType()))
        {
            object? value = f.GetValue(target);
            switch (value)
            {
                case int: f.SetValue(target, reader.ReadInt32()); break;
                case uint: f.SetValue(target, reader.ReadUInt32()); break;
                case long: f.SetValue(target, reader.ReadInt64()); break;
                case ulong: f.SetValue(target, reader.ReadUInt64()); break;
                case double: f.SetValue(target, reader.ReadDouble()); break;
                case bool: f.SetValue(target, reader.ReadBoolean()); break;
                case int[] array:
                    int length = reader.ReadInt32();
                    if (length != array.Length) throw new InvalidDataException($"The saved random-generator state has {length} words; this runtime's has {array.Length}.");
                    for (int k = 0; k < length; k++) array[k] = reader.ReadInt32();
                    break;
                case ValueType boxed when !f.FieldType.IsPrimitive && !f.FieldType.IsEnum:
                    Read(reader, boxed); // fills the boxed copy, then stores it back
                    f.SetValue(target, boxed);
                    break;
                default: throw Unsupported($"field {f.DeclaringType?.Name}.{f.Name} of type {f.FieldType.Name}");
            }
        }
    }
}
