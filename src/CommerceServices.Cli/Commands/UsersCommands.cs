using System.CommandLine;

namespace CommerceServices.Cli.Commands;

/// <summary><c>users invite</c>: a one-time, expiring link that lets a person set a password for the account portal.</summary>
public static class UsersCommands
{
    public static Command Build(GlobalOptions globals)
    {
        var command = new Command("users", "Invite people to an account's portal.");
        var account = CommonOptions.Account();
        var email = new Option<string>("--email") { Description = "The email of the person to invite.", HelpName = "email", Required = true };
        command.Subcommands.Add(new Command("invite", "Make a one-time invitation link; send it to the person, who sets a password there.")
            .With(account, email).WithAction(globals, async (cli, ct) =>
            {
                var result = await cli.Client.InviteUserAsync(cli.Value(account), cli.Value(email), ct);
                return cli.Render(result, invitation => cli.Output.WriteDetails(
                [
                    ("email", CliOutput.Text(invitation, "email")),
                    ("link", CliOutput.Text(invitation, "url")),
                    ("expires", CliOutput.Time(invitation, "expiresAt")),
                ]));
            }));
        return command;
    }
}
