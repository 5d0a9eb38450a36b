using System.Globalization;
using System.Text;

namespace MLNet.SessionRec.EvaluationApp;

/// <summary>
/// Makes text from the user's files and arguments (ids, headers, paths) safe to print in a message: control
/// characters, such as the escape sequences that move the cursor or clear a terminal, and line breaks are shown as
/// <c>\xHH</c> / <c>\uHHHH</c> instead of acting on the terminal, so a message stays one line.
/// </summary>
internal static class UserText
{
    /// <summary><paramref name="text"/> with every control character (C0, DEL, C1, U+2028/U+2029) escaped.</summary>
    public static string Escape(string text)
    {
        if (!text.AsSpan().ContainsAny(Unsafe)) return text;
        var escaped = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            if (!Unsafe.Contains(c)) escaped.Append(c);
            else if (c <= 0xFF) escaped.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            else escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
        }
        return escaped.ToString();
    }

    private static readonly System.Buffers.SearchValues<char> Unsafe = System.Buffers.SearchValues.Create(
        Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(i => (char)i).Concat(['\u2028', '\u2029']).ToArray());
}
