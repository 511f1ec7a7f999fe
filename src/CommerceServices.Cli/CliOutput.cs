using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CommerceServices.Cli;

/// <summary>
/// Where a command writes. Results go to stdout: Spectre.Console tables for people, or with <c>--json</c> exactly one
/// JSON document. Errors go to stderr as one line, <c>error: code: detail</c>.
/// </summary>
public sealed class CliOutput
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        // PEM and URLs stay readable ('+', '/', '<' are not escaped); the output is a terminal or a file, never HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly Lazy<IAnsiConsole> _console;

    public CliOutput(TextWriter stdout, TextWriter stderr, bool json)
    {
        Out = stdout;
        Error = stderr;
        Json = json;
        _console = new Lazy<IAnsiConsole>(() => CreateConsole(stdout));
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    /// <summary>Whether <c>--json</c> was given.</summary>
    public bool Json { get; }

    public IAnsiConsole Console => _console.Value;

    public int WriteJson(JsonNode? document)
    {
        Out.WriteLine(document?.ToJsonString(Indented) ?? "null");
        return ExitCodes.Ok;
    }

    /// <summary>Reports <paramref name="error"/> and returns its exit code. With --json stdout still gets one document.</summary>
    public int Fail(CliError error)
    {
        Error.WriteLine($"error: {error.Code}: {OneLine(error.Detail)}");
        if (Json)
        {
            WriteJson(new JsonObject { ["code"] = error.Code, ["detail"] = error.Detail });
        }

        return error.ExitCode;
    }

    public void WriteTable(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string?>> rows)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(new Text(header, new Style(decoration: Decoration.Bold))));
        }

        foreach (var row in rows)
        {
            table.AddRow(row.Select(cell => (IRenderable)new Text(string.IsNullOrEmpty(cell) ? "-" : cell)));
        }

        Console.Write(table);
    }

    /// <summary>A two-column table of names and values, for one object.</summary>
    public void WriteDetails(IEnumerable<(string Name, string? Value)> fields)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        foreach (var (name, value) in fields)
        {
            grid.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), new Text(string.IsNullOrEmpty(value) ? "-" : value));
        }

        Console.Write(grid);
    }

    /// <summary>
    /// One object as <see cref="WriteDetails"/>, its members named the way the tables name them (<c>projectId</c> →
    /// <c>project</c>, <c>createdAt</c> → <c>created</c>) and its times formatted as everywhere else.
    /// </summary>
    public void WriteObject(JsonNode? node) =>
        WriteDetails((node as JsonObject ?? []).Select(p => (Label(p.Key),
            p.Key.EndsWith("At", StringComparison.Ordinal) ? Time(node, p.Key)
            : p.Value is JsonValue or null ? p.Value?.ToString() : p.Value.ToJsonString())));

    /// <summary>A JSON member name as a table label: <c>instanceId</c> → <c>instance</c>, <c>apiKey</c> → <c>API key</c>.</summary>
    public static string Label(string member)
    {
        if (member == "apiKey")
        {
            return "API key";
        }

        var name = member.EndsWith("At", StringComparison.Ordinal) ? member[..^2]
            : member.EndsWith("Id", StringComparison.Ordinal) && member.Length > 2 ? member[..^2]
            : member;
        return System.Text.RegularExpressions.Regex.Replace(name, "(?<=[a-z0-9])([A-Z])", " $1").ToLowerInvariant();
    }

    /// <summary>A string member of a JSON object, or null.</summary>
    public static string? Text(JsonNode? node, string name) =>
        node?[name] is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;

    /// <summary>A timestamp member shown in UTC for people (<c>2025-06-01 12:00:00Z</c>), or null.</summary>
    public static string? Time(JsonNode? node, string name) =>
        Text(node, name) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : Text(node, name);

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private static IAnsiConsole CreateConsole(TextWriter stdout)
    {
        // Piped into a file or another program: plain text (no escape codes) and no terminal width to wrap API keys at.
        var redirected = System.Console.IsOutputRedirected || !ReferenceEquals(stdout, System.Console.Out);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = InteractionSupport.No,
        });
        if (redirected)
        {
            console.Profile.Width = 200;
        }

        return console;
    }
}
