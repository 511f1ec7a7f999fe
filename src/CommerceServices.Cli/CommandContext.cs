using System.CommandLine;

namespace CommerceServices.Cli;

/// <summary>What a running command needs: its parsed command line, where to write, and a client of the platform.</summary>
public sealed record CommandContext(ParseResult Parse, CliOutput Output, ManagementClient Client)
{
    public T Value<T>(Option<T> option) => Parse.GetValue(option)!;

    /// <summary>Writes <paramref name="result"/>'s error, or hands its body to <paramref name="render"/>.</summary>
    public int Render(ApiResult result, Action<System.Text.Json.Nodes.JsonNode?> render)
    {
        if (result.Error is { } error)
        {
            return Output.Fail(error);
        }

        if (Output.Json)
        {
            return Output.WriteJson(result.Body);
        }

        render(result.Body);
        return ExitCodes.Ok;
    }
}

public static class CommandExtensions
{
    /// <summary>Runs <paramref name="action"/> with a <see cref="CommandContext"/> built from the global options.</summary>
    public static Command WithAction(this Command command, GlobalOptions globals,
        Func<CommandContext, CancellationToken, Task<int>> action)
    {
        command.SetAction(async (parse, ct) =>
        {
            var output = new CliOutput(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, parse.GetValue(globals.Json));
            using var client = new ManagementClient(parse.GetValue(globals.Platform)!, globals.TokenOf(parse), tokenSource: globals.TokenSourceOf(parse));
            return await action(new CommandContext(parse, output, client), ct);
        });
        return command;
    }

    public static Command With(this Command command, params Option[] options)
    {
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        return command;
    }
}
