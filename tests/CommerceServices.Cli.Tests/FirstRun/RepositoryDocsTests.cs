using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Text.RegularExpressions;
using CommerceServices.Connector;
using CommerceServices.Platform.Hosting.FirstRun;

namespace CommerceServices.Cli.Tests.FirstRun;

/// <summary>
/// The repository's own documentation: the README shows the walkthrough script's commands, the reference pages in
/// docs/ document every option and keep their tables whole, every link and anchor in the README and docs/ resolves, and
/// the connector packs as a NuGet package.
/// </summary>
public sealed partial class RepositoryDocsTests
{
    private static readonly string Readme = Repository.Read("README.md");

    [Fact]
    public void TheReadmeWalkthrough_ShowsTheCommandsOfDocsWalkthroughSh()
    {
        // Each command of the script on one line, without its comment and the "; echo" that ends a curl's output with a
        // line: a README command must be one of them whole (an environment variable set before it aside), not a part of a
        // longer one — a README line missing the script's last
        // argument (--prerelease) once passed as a part, and failed when typed.
        var scriptLines = EmailArgument().Replace(Repository.Read("docs/walkthrough.sh").Replace("\\\n", " ", StringComparison.Ordinal), "--email")
            .Split('\n').Select(l => Normalize(TrailingComment().Replace(l, ""))).Select(l => l.EndsWith("; echo", StringComparison.Ordinal) ? l[..^6] : l)
            .ToList();
        var section = Section(Readme, "## Walkthrough");
        var commands = section.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n').Select(l => l.Trim())
            .Where(l => l.StartsWith("commerce-services ", StringComparison.Ordinal) || l.Contains("=$(commerce-services ", StringComparison.Ordinal)
                        || l.StartsWith("dotnet ", StringComparison.Ordinal) || l.StartsWith("curl ", StringComparison.Ordinal))
            .Select(l => Normalize(l.Split("   #")[0]))
            .ToList();

        Assert.True(commands.Count >= 15, $"Only {commands.Count} commands found in the README walkthrough.");
        foreach (var command in commands)
        {
            // The script makes a new email per run and reads the portal URL from a variable; everything else is verbatim.
            var comparable = EmailArgument().Replace(command, "--email")
                .Replace("http://127.0.0.1:5080", "$COMMERCE_SERVICES_URL", StringComparison.Ordinal);
            Assert.True(scriptLines.Any(l => l == comparable || l.EndsWith(" " + comparable, StringComparison.Ordinal)),
                $"The README walkthrough runs a command docs/walkthrough.sh does not:\n{command}");
        }
    }

    [Fact]
    public void TheWalkthroughScript_IsExecutable()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(Path.Combine(Repository.Root, "docs", "walkthrough.sh"));
        Assert.True(mode.HasFlag(UnixFileMode.UserExecute));
        Assert.Contains("docs/walkthrough.sh", Repository.Read("build/test.sh") + Repository.Read("build/run-walkthrough.sh"));
    }

    [Fact]
    public void EveryConnectorOption_IsDocumentedInTheReadmeOrAReferencePage()
    {
        var options = typeof(CommerceServicesConnectorOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite);
        var documentation = Readme + string.Concat(Directory.GetFiles(Path.Combine(Repository.Root, "docs"), "*.md").Select(File.ReadAllText));

        foreach (var option in options)
        {
            Assert.Contains($"`{CommerceServicesConnectorOptions.Section}:{option.Name}`", documentation);
        }
    }

    [Fact]
    public void TheConfigurationTable_IsOneTable_WithEveryPlatformKey()
    {
        var table = Section(Repository.Read("docs/configuration.md"), "## Settings").Split('\n')
            .SkipWhile(l => !l.StartsWith("| key", StringComparison.Ordinal)).TakeWhile(l => l.StartsWith('|')).ToList();

        foreach (var (key, _, _) in PlatformUsage.Keys)
        {
            var documented = key.Split(':')[^1] is "Testing" ? key[..key.LastIndexOf(':')] : key;
            Assert.Contains(table, row => row.Contains($"`{documented}`", StringComparison.Ordinal)
                                          || row.Contains($"`{documented.Replace(":Production", "", StringComparison.Ordinal)}:Production`", StringComparison.Ordinal));
        }
    }

    /// <summary>The README and every page of docs/, found on disk, so a new page is checked without being listed here.</summary>
    public static TheoryData<string> Documents()
    {
        var documents = new TheoryData<string> { "README.md" };
        if (File.Exists(Path.Combine(Repository.Root, "CHANGELOG.md")))
        {
            documents.Add("CHANGELOG.md");
        }

        foreach (var page in Directory.GetFiles(Path.Combine(Repository.Root, "docs"), "*.md").Order(StringComparer.Ordinal))
        {
            documents.Add(Path.GetRelativePath(Repository.Root, page).Replace('\\', '/'));
        }

        return documents;
    }

    [Fact]
    public void EveryErrorCode_IsInTheErrorCodesPage()
    {
        var page = Repository.Read("docs/errors.md");
        var codes = typeof(CommerceServices.Protocol.ProblemCodes).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!).ToList();

        Assert.True(codes.Count > 50, $"only {codes.Count} codes found");
        Assert.All(codes, code => Assert.Contains($"`{code}`", page, StringComparison.Ordinal));
    }

    [Fact]
    public void TheReadme_LinksEveryReferencePageOfDocs()
    {
        foreach (var page in Directory.GetFiles(Path.Combine(Repository.Root, "docs"), "*.md"))
        {
            var name = Path.GetFileName(page);
            Assert.True(Readme.Contains($"(docs/{name})", StringComparison.Ordinal), $"The README does not link docs/{name}.");
        }
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void EveryRelativeLink_ResolvesToAFileOrAHeading(string document)
    {
        var text = Repository.Read(document);
        var folder = Path.GetDirectoryName(Path.Combine(Repository.Root, document))!;
        foreach (Match link in MarkdownLink().Matches(text))
        {
            var target = link.Groups["target"].Value;
            if (target.StartsWith("http", StringComparison.Ordinal))
            {
                continue;
            }

            var parts = target.Split('#', 2);
            var file = parts[0].Length == 0 ? Path.Combine(Repository.Root, document) : Path.GetFullPath(Path.Combine(folder, Uri.UnescapeDataString(parts[0])));
            Assert.True(File.Exists(file) || (parts.Length == 1 && Directory.Exists(file)), $"{document} links to {target}: no such file.");
            Assert.StartsWith(Repository.Root, file);
            if (parts.Length == 2)
            {
                var anchors = Heading().Matches(File.ReadAllText(file)).Select(h => Anchor(h.Groups["title"].Value)).ToHashSet();
                Assert.True(anchors.Contains(parts[1]), $"{document} links to {target}: no such heading.");
            }
        }

        Assert.DoesNotContain("../shared/", text);
    }

    [Fact]
    public async Task TheConnectorLibrary_PacksAsANuGetPackage_ThatDependsOnTheProtocolPackage()
    {
        var output = Directory.CreateTempSubdirectory("cs-pack-");
        try
        {
            var start = new ProcessStartInfo(ChildProcess.DotnetHost)
            {
                ArgumentList = { "pack", Path.Combine(Repository.Root, "src", "CommerceServices.Connector"), "--no-build", "-c", "Debug", "-o", output.FullName, "-nologo" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var pack = Process.Start(start)!;
            var log = pack.StandardOutput.ReadToEndAsync();
            var errors = pack.StandardError.ReadToEndAsync();
            await pack.WaitForExitAsync();
            Assert.True(pack.ExitCode == 0, await log + await errors);

            var package = Assert.Single(output.GetFiles("CommerceServices.Connector.*.nupkg"));
            using var zip = ZipFile.OpenRead(package.FullName);
            Assert.Contains(zip.Entries, e => e.FullName == "lib/net10.0/CommerceServices.Connector.dll");
            using var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            var manifest = await nuspec.ReadToEndAsync();
            Assert.Contains("id=\"CommerceServices.Protocol\"", manifest);
            Assert.Contains("<description>", manifest);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static string Section(string markdown, string heading)
    {
        var start = markdown.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"No '{heading}' in the README.");
        var end = markdown.IndexOf("\n## ", start + heading.Length + 1, StringComparison.Ordinal);
        return markdown[start..(end < 0 ? markdown.Length : end)];
    }

    private static string Normalize(string text) => Whitespace().Replace(text.Replace("\\\n", " ", StringComparison.Ordinal), " ").Trim();

    /// <summary>GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens.</summary>
    private static string Anchor(string title) =>
        Regex.Replace(title.Trim().ToLowerInvariant(), @"[^\p{L}\p{N}\- ]", "").Replace(' ', '-');

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"\s+#\s.*$")]
    private static partial Regex TrailingComment();

    [GeneratedRegex(@"--email (""[^""]*""|\S+)")]
    private static partial Regex EmailArgument();

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"^#{1,6} (?<title>.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();
}
