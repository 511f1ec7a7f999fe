using System.CommandLine;
using System.Text.Json.Nodes;

namespace CommerceServices.Cli.Commands;

/// <summary>
/// <c>operators invite</c> and <c>operators list</c>: the people who run the platform and sign in to its operator
/// console (operator token only).
/// </summary>
public static class OperatorsCommands
{
    public static Command Build(GlobalOptions globals)
    {
        var command = new Command("operators", "Invite and list the platform's operators (the operator console's users).");
        var email = new Option<string>("--email") { Description = "The email of the person to invite.", HelpName = "email", Required = true };
        var role = new Option<string>("--role")
        {
            Description = "admin (changes everything; must use an authenticator app) or support (reads everything, changes nothing).",
            HelpName = "admin|support",
            Required = true,
        };
        role.AcceptOnlyFromAmong("admin", "support");
        command.Subcommands.Add(new Command("invite", "Make a one-time operator invitation link; the person sets a password there.")
            .With(email, role).WithAction(globals, async (cli, ct) =>
            {
                var result = await cli.Client.InviteOperatorAsync(cli.Value(email), cli.Value(role), ct);
                return cli.Render(result, invitation => cli.Output.WriteDetails(
                [
                    ("email", CliOutput.Text(invitation, "email")),
                    ("role", CliOutput.Text(invitation, "role")),
                    ("link", CliOutput.Text(invitation, "invitationUrl")),
                    ("expires", CliOutput.Time(invitation, "expiresAt")),
                ]));
            }));
        command.Subcommands.Add(new Command("list", "List the operators, their roles and whether they use a second factor.")
            .WithAction(globals, async (cli, ct) =>
            {
                var result = await cli.Client.ListOperatorsAsync(ct);
                return cli.Render(result, operators => cli.Output.WriteTable(
                    ["email", "role", "second factor", "last sign-in", "removed"],
                    (operators as JsonArray ?? []).Select(o => (IReadOnlyList<string?>)
                    [
                        CliOutput.Text(o, "email"), CliOutput.Text(o, "role"),
                        o?["secondFactor"]?.GetValue<bool>() == true ? "yes" : "no",
                        CliOutput.Time(o, "lastSignInAt"), CliOutput.Time(o, "disabledAt"),
                    ])));
            }));
        return command;
    }
}
