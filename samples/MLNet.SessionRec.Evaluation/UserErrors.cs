namespace MLNet.SessionRec.EvaluationApp;

/// <summary>An error in what the user asked for; its message is shown as is.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>Decides which exceptions are the user's input problems (shown as one line) rather than bugs.</summary>
internal static class UserErrors
{
    /// <summary>The one-line message for a user error, or null when <paramref name="e"/> is a bug.</summary>
    public static string? Describe(Exception e)
    {
        // Unwrap wrappers that add nothing for the user (aggregate from tasks, type initialisers).
        while (e is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException && e.InnerException != null)
            e = e.InnerException!;
        return e switch
        {
            UsageException => e.Message,
            Gru4Rec.Gru4RecTrainingDivergedException => e.Message, // the user's parameters, not a bug: the message says which
            FileNotFoundException f => f.FileName != null ? $"file not found: {f.FileName}" : e.Message,
            DirectoryNotFoundException => e.Message,
            InvalidDataException => e.Message,
            UnauthorizedAccessException => e.Message,
            FormatException => e.Message,
            ArgumentException a => WithoutParameterName(a),
            IOException => e.Message,
            InsufficientMemoryException => e.Message, // the GRU4Rec trainer's estimate before training: not a crash
            _ => null,
        };
    }

    /// <summary>The message without .NET's " (Parameter 'X')" suffix, which names a C# property, not an option.</summary>
    public static string WithoutParameterName(ArgumentException e) =>
        e.ParamName != null ? e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal) : e.Message;
}
