using System.CommandLine;
using System.Text.Json.Nodes;

namespace CommerceServices.Cli.Commands;

/// <summary><c>audit list</c>: key and entitlement events of an account, newest first (R22).</summary>
public static class AuditCommands
{
    public static Command Build(GlobalOptions globals)
    {
        var command = new Command("audit", "Read an account's audit log.");
        command.Subcommands.Add(List(globals));
        return command;
    }

    private static Command List(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        var limit = new Option<int?>("--limit", "-n") { Description = "At most this many events (the platform's default is 100).", HelpName = "n" };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
            {
                result.AddError("--limit must be 1 or more.");
            }
        });
        return new Command("list", "List an account's audit events, newest first.").With(account, limit).WithAction(globals, async (cli, ct) =>
        {
            var result = await cli.Client.ListAuditAsync(cli.Value(account), cli.Parse.GetValue(limit), ct);
            return cli.Render(result, events => cli.Output.WriteTable(
                ["at", "action", "actor", "API key", "detail"],
                (events as JsonArray ?? []).Select(e => (IReadOnlyList<string?>)
                [
                    CliOutput.Time(e, "at"), CliOutput.Text(e, "action"), CliOutput.Text(e, "actor"), CliOutput.Text(e, "apiKey"),
                    CliOutput.Text(e, "detail"),
                ])));
        });
    }
}
