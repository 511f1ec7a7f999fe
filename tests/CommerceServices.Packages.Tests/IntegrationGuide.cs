using System.Text.RegularExpressions;
using CommerceServices.Testing;

namespace CommerceServices.Packages.Tests;

/// <summary>
/// docs/integration.md, the page an integrator follows: its code blocks between <c>integration:NAME:begin</c> and
/// <c>integration:NAME:end</c> markers are what the consumer test pastes, so the page cannot drift from what works.
/// </summary>
public static partial class IntegrationGuide
{
    public const string RelativePath = "docs/integration.md";

    /// <summary>The folder value the nuget.config block carries, which a reader replaces with theirs.</summary>
    public const string PackagesFolderPlaceholder = "/path/to/commerce-services/artifacts/packages";

    public static string Text => File.ReadAllText(Path.Combine(RepositoryPaths.Root, RelativePath));

    /// <summary>The code inside the one fenced block between the markers of <paramref name="name"/>.</summary>
    public static string Block(string name)
    {
        var text = Text.ReplaceLineEndings("\n");
        var begin = $"<!-- integration:{name}:begin -->";
        var end = $"<!-- integration:{name}:end -->";
        var start = text.IndexOf(begin, StringComparison.Ordinal);
        var stop = text.IndexOf(end, StringComparison.Ordinal);
        if (start < 0 || stop < start)
        {
            throw new InvalidOperationException($"{RelativePath} has no '{begin}' … '{end}' markers.");
        }

        var between = text[(start + begin.Length)..stop];
        var fence = Fence().Match(between);
        if (!fence.Success || Fence().Matches(between).Count != 1)
        {
            throw new InvalidOperationException($"Between the {name} markers of {RelativePath} there must be exactly one fenced code block.");
        }

        return fence.Groups["code"].Value;
    }

    /// <summary>The <c>using</c> directives of a C# block, and the rest of it.</summary>
    public static (IReadOnlyList<string> Usings, string Statements) SplitUsings(string block)
    {
        var lines = block.Split('\n');
        var usings = lines.Where(IsUsing).ToList();
        var statements = string.Join('\n', lines.Where(l => !IsUsing(l))).Trim('\n');
        return (usings, statements);

        static bool IsUsing(string line) => line.StartsWith("using ", StringComparison.Ordinal) && line.TrimEnd().EndsWith(';');
    }

    [GeneratedRegex(@"```[a-z]*\n(?<code>.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex Fence();
}
