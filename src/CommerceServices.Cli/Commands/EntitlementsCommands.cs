using System.CommandLine;

namespace CommerceServices.Cli.Commands;

/// <summary><c>entitlements grant | revoke</c>: which services an account's keys may use (R14).</summary>
public static class EntitlementsCommands
{
    public static Command Build(GlobalOptions globals)
    {
        var command = new Command("entitlements", "Grant or withdraw services for an account.");
        command.Subcommands.Add(Change(globals, "grant", "Grant a service to an account.", grant: true));
        command.Subcommands.Add(Change(globals, "revoke", "Withdraw a service from an account.", grant: false));
        return command;
    }

    private static Command Change(GlobalOptions globals, string name, string description, bool grant)
    {
        var account = CommonOptions.Account();
        var service = CommonOptions.Service();
        return new Command(name, description).With(account, service).WithAction(globals, async (cli, ct) =>
        {
            var result = grant
                ? await cli.Client.GrantEntitlementAsync(cli.Value(account), cli.Value(service), ct)
                : await cli.Client.RevokeEntitlementAsync(cli.Value(account), cli.Value(service), ct);
            return cli.Render(result, a => AccountsCommands.WriteAccount(cli.Output, a));
        });
    }
}
