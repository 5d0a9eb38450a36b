using Mono.Cecil;

// Usage: Publicizer <output-dir> <assembly.dll>...
// Writes <output-dir>/<name>.dll for every input with non-public types and members made accessible, so that a
// third-party assembly can compile against ML.NET's internal model-format API. Only the reference copy changes;
// the real assemblies load at run time (the library declares IgnoresAccessChecksTo for them).
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Publicizer <output-dir> <assembly.dll>...");
    return 2;
}
string outputDir = args[0];
Directory.CreateDirectory(outputDir);
var resolver = new DefaultAssemblyResolver();
foreach (string input in args.Skip(1)) resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(input))!);

foreach (string input in args.Skip(1))
{
    using var assembly = AssemblyDefinition.ReadAssembly(input, new ReaderParameters { AssemblyResolver = resolver, ReadingMode = ReadingMode.Immediate });
    int changed = 0;
    foreach (var type in assembly.MainModule.GetTypes()) changed += Publicize(type);
    // Write to a unique temporary file and move it into place: parallel builds never see a half-written file.
    string target = Path.Combine(outputDir, Path.GetFileName(input));
    string temp = target + "." + Guid.NewGuid().ToString("N") + ".tmp";
    assembly.Write(temp);
    File.Move(temp, target, overwrite: true);
    Console.WriteLine($"Publicizer: {Path.GetFileName(input)}: {changed} types and members made accessible.");
}
return 0;

static int Publicize(TypeDefinition type)
{
    int changed = 0;
    if (IsCompilerGenerated(type.Name)) return 0;
    if (type.IsNested ? !type.IsNestedPublic : !type.IsPublic)
    {
        type.Attributes = (type.Attributes & ~TypeAttributes.VisibilityMask) | (type.IsNested ? TypeAttributes.NestedPublic : TypeAttributes.Public);
        changed++;
    }
    bool sealedType = type.IsSealed;
    foreach (var method in type.Methods)
    {
        if (method.IsPublic || method.IsPrivate || IsCompilerGenerated(method.Name)) continue;
        // A derived class in another assembly must override internal virtual members as protected:
        // public would not match the real (internal) member at run time and the C# compiler's override rules.
        var access = method.IsVirtual && !method.IsFinal && !sealedType ? MethodAttributes.Family : MethodAttributes.Public;
        if ((method.Attributes & MethodAttributes.MemberAccessMask) == access) continue;
        method.Attributes = (method.Attributes & ~MethodAttributes.MemberAccessMask) | access;
        changed++;
    }
    foreach (var field in type.Fields)
    {
        if (field.IsPublic || field.IsPrivate || IsCompilerGenerated(field.Name)) continue;
        field.Attributes = (field.Attributes & ~FieldAttributes.FieldAccessMask) | FieldAttributes.Public;
        changed++;
    }
    return changed;
}

static bool IsCompilerGenerated(string name) => name.Contains('<');
