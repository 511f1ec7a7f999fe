using System.CommandLine;
using System.Text.Json.Nodes;

namespace CommerceServices.Cli.Commands;

/// <summary><c>accounts create | list | show</c>.</summary>
public static class AccountsCommands
{
    public static Command Build(GlobalOptions globals)
    {
        var command = new Command("accounts", "Create and look at merchant accounts.");
        command.Subcommands.Add(Create(globals));
        command.Subcommands.Add(List(globals));
        command.Subcommands.Add(Show(globals));
        return command;
    }

    private static Command Create(GlobalOptions globals)
    {
        var email = new Option<string>("--email") { Description = "The account's email; unique.", HelpName = "email", Required = true };
        var name = new Option<string?>("--name") { Description = "A display name.", HelpName = "name" };
        return new Command("create", "Create an account.").With(email, name).WithAction(globals, async (cli, ct) =>
        {
            var result = await cli.Client.CreateAccountAsync(cli.Value(email), cli.Parse.GetValue(name), ct);
            return cli.Render(result, account => cli.Output.WriteDetails(
            [
                ("id", CliOutput.Text(account, "id")),
                ("email", CliOutput.Text(account, "email")),
            ]));
        });
    }

    private static Command List(GlobalOptions globals) =>
        new Command("list", "List accounts.").WithAction(globals, async (cli, ct) =>
        {
            var result = await cli.Client.ListAccountsAsync(ct);
            return cli.Render(result, accounts => cli.Output.WriteTable(
                ["id", "email", "name", "created", "entitlements"],
                (accounts as JsonArray ?? []).Select(a => (IReadOnlyList<string?>)
                [
                    CliOutput.Text(a, "id"), CliOutput.Text(a, "email"), CliOutput.Text(a, "name"), CliOutput.Time(a, "createdAt"),
                    Entitlements(a),
                ])));
        });

    private static Command Show(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        return new Command("show", "Show one account.").With(account).WithAction(globals, async (cli, ct) =>
        {
            var result = await cli.Client.GetAccountAsync(cli.Value(account), ct);
            return cli.Render(result, a => WriteAccount(cli.Output, a));
        });
    }

    internal static void WriteAccount(CliOutput output, JsonNode? account) => output.WriteDetails(
    [
        ("id", CliOutput.Text(account, "id")),
        ("email", CliOutput.Text(account, "email")),
        ("name", CliOutput.Text(account, "name")),
        ("created", CliOutput.Time(account, "createdAt")),
        ("entitlements", Entitlements(account)),
    ]);

    private static string Entitlements(JsonNode? account) =>
        string.Join(", ", (account?["entitlements"] as JsonArray ?? []).Select(e => e?.GetValue<string>()));
}
