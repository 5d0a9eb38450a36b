using System.CommandLine;
using System.CommandLine.Help;
using System.Text.RegularExpressions;
using MLNet.SessionRec.EvaluationApp;
using MLNet.SessionRec.EvaluationApp.Commands;

namespace MLNet.SessionRec.Tests.Docs;

/// <summary>The docs name what the code has: the app's options and commands, and files that exist.</summary>
[TestClass]
public sealed partial class DocsConsistencyTests
{
    // Options of the dotnet CLI that the docs use around the app, and the parser's own --help/--version.
    private static readonly string[] NotAppOptions = ["--project", "--filter", "--help", "--version"];

    private static string Doc(string name) => File.ReadAllText(Path.Combine(TestData.RepoRoot, "docs", name));

    // Every option of every command of the app, without the parser's own --help/--version.
    private static HashSet<string> AppOptions()
    {
        var root = CommandTree.Build(new AppOutput(TextWriter.Null, TextWriter.Null, TextReader.Null));
        var names = new HashSet<string>(StringComparer.Ordinal);
        void Walk(Command c)
        {
            foreach (var o in c.Options.Where(o => o is not HelpOption and not VersionOption)) names.Add(o.Name);
            foreach (var sub in c.Subcommands) Walk(sub);
        }
        Walk(root);
        return names;
    }

    [TestMethod]
    public void GettingStartedNamesEveryAppOptionAndNoOtherOne()
    {
        string text = Doc("getting-started.md");
        var inDoc = OptionName().Matches(text).Select(m => m.Value).Except(NotAppOptions).ToHashSet();
        var inApp = AppOptions();
        Assert.IsGreaterThan(25, inApp.Count, "the walk found the command tree");
        string unknown = string.Join(" ", inDoc.Except(inApp).Order()), missing = string.Join(" ", inApp.Except(inDoc).Order());
        Assert.IsTrue(unknown.Length == 0, $"getting-started.md names options the app lacks: {unknown}");
        Assert.IsTrue(missing.Length == 0, $"app options getting-started.md leaves out: {missing}");
    }

    [TestMethod]
    public void ReadmeAndDocsLinksPointToExistingFiles()
    {
        var pages = Directory.GetFiles(Path.Combine(TestData.RepoRoot, "docs"), "*.md").Append(Path.Combine(TestData.RepoRoot, "README.md"));
        var broken = new List<string>();
        int links = 0;
        foreach (string page in pages)
            foreach (Match m in RelativeLink().Matches(File.ReadAllText(page)))
            {
                links++;
                string target = m.Groups[1].Value.Split('#')[0];
                if (target.Length == 0) continue;
                string full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, target));
                if (!File.Exists(full) && !Directory.Exists(full)) broken.Add($"{Path.GetFileName(page)} -> {m.Groups[1].Value}");
            }
        Assert.IsGreaterThan(20, links, "the pages link to each other");
        Assert.IsEmpty(broken, $"broken links: {string.Join("; ", broken)}");
    }

    [GeneratedRegex(@"(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*")]
    private static partial Regex OptionName();

    // Markdown links that are not absolute URLs.
    [GeneratedRegex(@"\]\((?!https?:|mailto:|<)([^)\s]+)\)")]
    private static partial Regex RelativeLink();
}
