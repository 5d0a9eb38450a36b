using System.Runtime.InteropServices;
using MLNet.SessionRec.Evaluation;
using MLNet.SessionRec.Model;
using TorchSharp;

namespace MLNet.SessionRec.Pipeline;

/// <summary>
/// Optional capability of a session model: the scores of an empty session (e.g. GRU4Rec's zero hidden state).
/// Models without it answer an empty session with the most popular training items.
/// </summary>
internal interface IColdStartScores
{
    /// <summary>Writes the scores of all items for a session that has observed nothing yet.</summary>
    void ScoreEmptySession(Span<float> scores);
}

/// <summary>The cold-start answer of a model: scores for a session without (known) events.</summary>
internal static class ColdStart
{
    /// <summary>The model's zero-state scores where it provides them, else each item's training support.</summary>
    public static float[] Scores(ISessionModel model)
    {
        var scores = new float[model.Items.Count];
        if (model is IColdStartScores cold) cold.ScoreEmptySession(scores);
        else if (model is Gru4RecModel gru) ZeroState(gru, scores);
        else for (int i = 0; i < scores.Length; i++) scores[i] = model.Items.GetSupport(i);
        return scores;
    }

    // GRU4Rec's scores for a zero hidden state (h = 0 gives the output bias By).
    private static void ZeroState(Gru4RecModel gru, Span<float> scores)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var net = gru.Network;
        var h = torch.zeros(1, net.Options.Layers[^1], device: net.Device);
        using var all = net.ScoreAll(h).cpu().contiguous();
        MemoryMarshal.Cast<byte, float>(all.bytes).CopyTo(scores);
    }
}
