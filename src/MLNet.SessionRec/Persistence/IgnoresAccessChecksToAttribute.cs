// The runtime honours this attribute when it is declared in the assembly that uses it: it lets ModelFormat/
// call the internal ML.NET members it was compiled against (publicized reference copies, build/Publicizer).
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Core")]
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Data")]
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Transforms")]

namespace System.Runtime.CompilerServices
{
    /// <summary>Declares that this assembly accesses internals of the named assembly (read by the runtime).</summary>
    [AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
    internal sealed class IgnoresAccessChecksToAttribute : Attribute
    {
        /// <summary>Creates the attribute for <paramref name="assemblyName"/>.</summary>
        public IgnoresAccessChecksToAttribute(string assemblyName) => AssemblyName = assemblyName;

        /// <summary>The simple name of the assembly whose internals are used.</summary>
        public string AssemblyName { get; }
    }
}
