using System.Text;
using System.Xml.Linq;
using MLNet.SessionRec.EvaluationApp.Parameters;

namespace MLNet.SessionRec.Tests.Docs;

/// <summary>
/// Every GRU4Rec parameter is described once (<see cref="Gru4RecParameters.All"/>); the parameter table of
/// docs/gru4rec.md and the XML docs of <see cref="Gru4RecTrainer.Options"/> must say what that description says.
/// </summary>
[TestClass]
public sealed class ParameterTableTests
{
    private const string Begin = "<!-- gru4rec-parameters:begin (generated from Gru4RecParameters.All; ParameterTableTests prints it) -->";
    private const string End = "<!-- gru4rec-parameters:end -->";

    /// <summary>The table as the descriptions give it.</summary>
    internal static string Table()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| official name | `Gru4RecTrainer.Options` | type | official default | range | app default | meaning |");
        sb.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var p in Gru4RecParameters.All)
        {
            string range = p.RangeText.Length > 0 ? p.RangeText : "—";
            sb.AppendLine($"| `{p.OfficialName}` | `{p.Name}` | {(p.Type == Gru4RecParameterType.IntegerList ? "integer list" : p.Type.ToString().ToLowerInvariant())} | `{p.DefaultText}` | {range} | `{Gru4RecArguments.DefaultText(p)}` | {p.Help} |");
        }
        return sb.ToString();
    }

    [TestMethod]
    public void DocsTableIsTheDescriptions()
    {
        string doc = File.ReadAllText(Path.Combine(TestData.RepoRoot, "docs", "gru4rec.md")).ReplaceLineEndings("\n");
        int begin = doc.IndexOf(Begin, StringComparison.Ordinal), end = doc.IndexOf(End, StringComparison.Ordinal);
        Assert.IsTrue(begin >= 0 && end > begin, "docs/gru4rec.md lacks the generated parameter table markers");
        string actual = doc[(begin + Begin.Length)..end].Trim('\n');
        string expected = Table().ReplaceLineEndings("\n").Trim('\n');
        Assert.AreEqual(expected, actual, "docs/gru4rec.md parameter table differs from Gru4RecParameters.All; the expected table:\n" + expected);
    }

    [TestMethod]
    public void OptionsXmlDocsNameTheOfficialParameterItsDefaultAndMeaning()
    {
        string xmlPath = Path.ChangeExtension(typeof(Gru4RecTrainer).Assembly.Location, ".xml");
        var members = XDocument.Load(xmlPath).Descendants("member")
            .ToDictionary(m => (string)m.Attribute("name")!, m => string.Concat((m.Element("summary")?.DescendantNodes() ?? []).OfType<XText>().Select(t => t.Value)));
        var problems = new List<string>();
        foreach (var p in Gru4RecParameters.All)
        {
            string key = $"P:MLNet.SessionRec.Gru4Rec.Gru4RecTrainer.Options.{p.Name}";
            if (!members.TryGetValue(key, out var summary)) { problems.Add($"{p.Name}: no XML doc"); continue; }
            string text = string.Join(' ', summary.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
            foreach (string expected in new[] { $"Official {p.OfficialName}:", p.Help, $"Default {p.DefaultText}." })
                if (!text.Contains(expected, StringComparison.Ordinal)) problems.Add($"{p.Name}: doc '{text}' lacks '{expected}'");
        }
        Assert.AreEqual("", string.Join("\n", problems));
    }

    [TestMethod]
    public void NewOptionsHoldTheOfficialDefaultsAndEveryNameFindsItsParameter()
    {
        var o = new Gru4RecTrainer.Options();
        foreach (var p in Gru4RecParameters.All)
        {
            Assert.AreEqual(p.DefaultText, p.GetText(o), p.OfficialName);
            Assert.AreSame(p, Gru4RecParameters.Find(p.OfficialName));
            Assert.AreSame(p, Gru4RecParameters.Find(p.OfficialName.Replace('_', '-')));
            Assert.AreSame(p, Gru4RecParameters.Find(p.Name));
        }
        Assert.AreEqual(typeof(Gru4RecTrainer.Options).GetProperties().Count(pi => Gru4RecParameters.Find(pi.Name) != null), Gru4RecParameters.All.Count);
    }
}
