namespace MLNet.SessionRec;

/// <summary>
/// Optional capability of a session model: the scores of an empty session (e.g. GRU4Rec's zero hidden state).
/// Models without it answer an empty session with the most popular training items.
/// </summary>
internal interface IColdStartScores
{
    /// <summary>Writes the scores of all items for a session that has observed nothing yet.</summary>
    void ScoreEmptySession(Span<float> scores);
}
