using System.CommandLine;
using System.Text.Json.Nodes;

namespace CommerceServices.Cli.Commands;

/// <summary><c>projects …</c> and <c>data-spaces …</c>: an account's SaaS projects and data spaces (R3, R13, R18).</summary>
public static class RegistryCommands
{
    /// <summary><c>quota --account ID</c>: data spaces allowed and used, per type (R3).</summary>
    public static Command BuildQuota(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        return new Command("quota", "Show how many data spaces of each type an account may have and has.").With(account).WithAction(globals, async (cli, ct) =>
            cli.Render(await cli.Client.GetQuotaAsync(cli.Value(account), ct), quota => cli.Output.WriteTable(
                ["type", "allowed", "used", "free"],
                new[] { "production", "testing" }.Select(type => (IReadOnlyList<string?>)
                [
                    type, quota?[type]?["allowed"]?.ToString(), quota?[type]?["used"]?.ToString(),
                    quota?[type]?["allowed"] is { } allowed && quota[type]?["used"] is { } used
                        ? Math.Max(0, allowed.GetValue<int>() - used.GetValue<int>()).ToString(System.Globalization.CultureInfo.InvariantCulture)
                        : null,
                ]))));
    }

    public static Command BuildProjects(GlobalOptions globals)
    {
        var command = new Command("projects", "List or add an account's SaaS projects.");

        var account = CommonOptions.Account();
        command.Subcommands.Add(new Command("list", "List an account's projects.").With(account).WithAction(globals, async (cli, ct) =>
            cli.Render(await cli.Client.ListProjectsAsync(cli.Value(account), ct), projects => cli.Output.WriteTable(
                ["id", "name", "created"],
                (projects as JsonArray ?? []).Select(p => (IReadOnlyList<string?>)
                    [CliOutput.Text(p, "id"), CliOutput.Text(p, "name"), CliOutput.Time(p, "createdAt")])))));

        var createAccount = CommonOptions.Account();
        var name = Name("The project's name.");
        command.Subcommands.Add(new Command("create", "Add a project to an account.").With(createAccount, name).WithAction(globals, async (cli, ct) =>
            cli.Render(await cli.Client.CreateProjectAsync(cli.Value(createAccount), cli.Value(name), ct), WriteOne(cli))));
        return command;
    }

    public static Command BuildDataSpaces(GlobalOptions globals)
    {
        var command = new Command("data-spaces", "Create, list, rename, delete, release and copy data spaces.");
        command.Subcommands.Add(Create(globals));
        command.Subcommands.Add(List(globals));
        command.Subcommands.Add(Rename(globals));
        command.Subcommands.Add(Delete(globals));
        command.Subcommands.Add(Release(globals));
        command.Subcommands.Add(Copy(globals));
        command.Subcommands.Add(Show(globals));
        command.Subcommands.Add(Job(globals));
        return command;
    }

    private static Command Create(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        var project = new Option<string>("--project", "-p") { Description = "The project id (see 'projects list').", HelpName = "id", Required = true };
        var name = Name("The data space's name, unique in its project.");
        var type = new Option<string>("--type", "-t") { Description = "production or testing.", HelpName = "production|testing", Required = true };
        return new Command("create", "Create a data space, within the account's quota.").With(account, project, name, type).WithAction(globals, async (cli, ct) =>
            cli.Render(await cli.Client.CreateDataSpaceAsync(cli.Value(account), cli.Value(project), cli.Value(name), cli.Value(type), ct), WriteOne(cli)));
    }

    private static Command List(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        return new Command("list", "List an account's data spaces.").With(account).WithAction(globals, async (cli, ct) =>
            cli.Render(await cli.Client.ListDataSpacesAsync(cli.Value(account), ct), spaces => cli.Output.WriteTable(
                ["id", "name", "type", "project", "instance"],
                (spaces as JsonArray ?? []).Select(d => (IReadOnlyList<string?>)
                [
                    CliOutput.Text(d, "id"), CliOutput.Text(d, "name"), CliOutput.Text(d, "type"), CliOutput.Text(d, "projectId"),
                    CliOutput.Text(d, "instanceId") ?? "(free)",
                ]))));
    }

    private static Command Rename(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        var dataSpace = DataSpace();
        var name = Name("The new name.");
        return new Command("rename", "Rename a data space.").With(account, dataSpace, name).WithAction(globals, async (cli, ct) =>
            cli.Render(await cli.Client.RenameDataSpaceAsync(cli.Value(account), cli.Value(dataSpace), cli.Value(name), ct), WriteOne(cli)));
    }

    private static Command Delete(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        var dataSpace = DataSpace();
        var force = new Option<bool>("--force") { Description = "Delete even when it holds data or is bound to an instance: that data is lost." };
        return new Command("delete", "Delete a data space. One that holds data or is bound is refused, saying what would be lost, unless --force.")
            .With(account, dataSpace, force).WithAction(globals, async (cli, ct) =>
                cli.Render(await cli.Client.DeleteDataSpaceAsync(cli.Value(account), cli.Value(dataSpace), cli.Parse.GetValue(force), ct),
                    deleted => cli.Output.Out.WriteLine(CliOutput.Text(deleted, "jobId") is { } job
                        ? $"Data space {CliOutput.Text(deleted, "id")} ('{CliOutput.Text(deleted, "name")}') is being deleted: it takes no more calls, and goes " +
                          $"once every service has confirmed; the platform keeps asking. See 'data-spaces job --account {cli.Value(account)} --id {job}'."
                        : $"Deleted data space {CliOutput.Text(deleted, "id")} ('{CliOutput.Text(deleted, "name")}').")));
    }

    private static Command Release(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        var dataSpace = DataSpace();
        return new Command("release", "Free a data space from the instance bound to it.").With(account, dataSpace).WithAction(globals, async (cli, ct) =>
            cli.Render(await cli.Client.ReleaseDataSpaceAsync(cli.Value(account), cli.Value(dataSpace), ct), WriteOne(cli)));
    }

    private static Command Copy(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        var from = new Option<string>("--from") { Description = "The data space to copy from.", HelpName = "id", Required = true };
        var to = new Option<string>("--to") { Description = "The data space to copy into.", HelpName = "id", Required = true };
        var instance = new Option<string?>("--instance")
        {
            Description = "The instance the target is bound to, if it is bound; a target bound to another instance is refused.",
            HelpName = "id",
        };
        return new Command("copy", "Copy every service's data of one data space into another, so moving an instance loses nothing.")
            .With(account, from, to, instance).WithAction(globals, async (cli, ct) =>
                cli.Render(await cli.Client.CopyDataSpaceAsync(cli.Value(account), cli.Value(from), cli.Value(to), cli.Parse.GetValue(instance), ct), copied =>
                {
                    cli.Output.WriteTable(["service", "items copied"], (copied?["copied"] as JsonArray ?? []).Select(c => (IReadOnlyList<string?>)
                        [CliOutput.Text(c, "name") ?? CliOutput.Text(c, "service"), c?["items"]?.ToString() ?? $"not yet: {CliOutput.Text(c, "problem")}"]));
                    if (CliOutput.Text(copied, "status") == "pending")
                    {
                        cli.Output.Out.WriteLine($"A service has not confirmed yet; the platform keeps asking it. See 'data-spaces job --account {cli.Value(account)} --id {CliOutput.Text(copied, "jobId")}'.");
                    }
                }));
    }

    /// <summary><c>data-spaces show</c>: a data space and what each service keeps in it, in the service's own words.</summary>
    private static Command Show(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        var dataSpace = DataSpace();
        return new Command("show", "Show a data space and what each service keeps in it.").With(account, dataSpace).WithAction(globals, async (cli, ct) =>
            cli.Render(await cli.Client.GetDataSpaceAsync(cli.Value(account), cli.Value(dataSpace), ct), details =>
            {
                cli.Output.WriteDetails(
                [
                    ("id", CliOutput.Text(details, "id")),
                    ("name", CliOutput.Text(details, "name")),
                    ("type", CliOutput.Text(details, "type")),
                    ("project", CliOutput.Text(details, "projectId")),
                    ("instance", CliOutput.Text(details, "instanceId") ?? "(free)"),
                    ("being deleted", CliOutput.Text(details, "jobId") is { } job ? $"yes (job {job})" : null),
                ]);
                cli.Output.WriteTable(["service", "holds"], (details?["holdings"] as JsonArray ?? []).Select(h => (IReadOnlyList<string?>)
                    [CliOutput.Text(h, "name") ?? CliOutput.Text(h, "service"), Holds(h)]));
            }));
    }

    /// <summary><c>data-spaces job</c>: a copy or delete across services, and where each service stands.</summary>
    private static Command Job(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        var id = new Option<string>("--id") { Description = "The job id, from a copy's or delete's answer.", HelpName = "id", Required = true };
        return new Command("job", "Show a copy or delete job: which services confirmed and which the platform still asks.").With(account, id)
            .WithAction(globals, async (cli, ct) => cli.Render(await cli.Client.GetJobAsync(cli.Value(account), cli.Value(id), ct), job =>
            {
                cli.Output.WriteDetails(
                [
                    ("id", CliOutput.Text(job, "id")), ("kind", CliOutput.Text(job, "kind")), ("data space", CliOutput.Text(job, "dataSpaceId")),
                    ("from", CliOutput.Text(job, "fromDataSpaceId")), ("status", CliOutput.Text(job, "status")), ("created", CliOutput.Time(job, "createdAt")),
                    ("completed", CliOutput.Time(job, "completedAt")),
                ]);
                cli.Output.WriteTable(["service", "status", "items", "tries", "last error", "next try"],
                    (job?["services"] as JsonArray ?? []).Select(s => (IReadOnlyList<string?>)
                    [
                        CliOutput.Text(s, "service"), CliOutput.Text(s, "status"), s?["items"]?.ToString(), s?["attempts"]?.ToString(),
                        CliOutput.Text(s, "lastError"), CliOutput.Time(s, "nextAttemptAt"),
                    ]));
            }));
    }

    /// <summary>A holding in the service's own words ("1 payment, 1 declined attempt"), or why it is unknown.</summary>
    private static string Holds(JsonNode? holding)
    {
        if (holding?["items"] is not { } items)
        {
            return $"unknown ({CliOutput.Text(holding, "problem") ?? "the service did not answer"})";
        }

        var count = items.GetValue<int>();
        return CliOutput.Text(holding, "description")
               ?? (count == 1 ? $"1 {CliOutput.Text(holding, "itemName") ?? "item"}" : $"{count} {CliOutput.Text(holding, "itemsName") ?? "items"}");
    }

    private static Option<string> DataSpace() =>
        new("--data-space", "-d") { Description = "The data space id.", HelpName = "id", Required = true };

    private static Option<string> Name(string description) =>
        new("--name", "-n") { Description = description, HelpName = "name", Required = true };

    private static Action<JsonNode?> WriteOne(CommandContext cli) => node => cli.Output.WriteObject(node);
}
