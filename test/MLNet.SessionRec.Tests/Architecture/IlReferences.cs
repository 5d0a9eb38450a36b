using System.Reflection;
using System.Reflection.Emit;

namespace MLNet.SessionRec.Tests.Architecture;

/// <summary>Reads the members a method's IL references, resolved in the running process.</summary>
internal static class IlReferences
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    // Members referenced by the method's IL, resolved in the running process (throws when one no longer exists).
    public static IEnumerable<MemberInfo> Members(MethodBase method)
    {
        byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
        if (il == null) yield break;
        var typeArgs = method.DeclaringType!.IsGenericType ? method.DeclaringType.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int pos = 0; pos < il.Length;)
        {
            short value = il[pos] == 0xFE ? (short)(0xFE00 | il[pos + 1]) : il[pos];
            pos += il[pos] == 0xFE ? 2 : 1;
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    int token = BitConverter.ToInt32(il, pos);
                    MemberInfo resolved;
                    try { resolved = method.Module.ResolveMember(token, typeArgs, methodArgs)!; }
                    catch (Exception e) when (e is MissingMemberException or TypeLoadException or BadImageFormatException)
                    {
                        throw new AssertFailedException($"{method.DeclaringType.FullName}.{method.Name} references a member that the loaded ML.NET does not have: {e.Message}", e);
                    }
                    yield return resolved;
                    pos += 4;
                    break;
                case OperandType.InlineSwitch: pos += 4 + 4 * BitConverter.ToInt32(il, pos); break;
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: pos += 1; break;
                case OperandType.InlineVar: pos += 2; break;
                case OperandType.InlineI8 or OperandType.InlineR: pos += 8; break;
                default: pos += 4; break;
            }
        }
    }
}
