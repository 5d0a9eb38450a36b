namespace MLNet.SessionRec;

/// <summary>The cold-start answer of a model: scores for a session without (known) events.</summary>
internal static class ColdStart
{
    /// <summary>The model's own empty-session scores where it defines them (<see cref="IColdStartScores"/>), else each item's training support.</summary>
    public static float[] Scores(ISessionModel model)
    {
        var scores = new float[model.Items.Count];
        if (model is IColdStartScores cold) cold.ScoreEmptySession(scores);
        else for (int i = 0; i < scores.Length; i++) scores[i] = model.Items.GetSupport(i);
        return scores;
    }
}
