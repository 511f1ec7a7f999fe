using System.CommandLine;
using System.CommandLine.Parsing;
using CommerceServices.Cli.Commands;

namespace CommerceServices.Cli;

/// <summary>The <c>commerce-services</c> command tree, and how a command line is run.</summary>
public static class CliApplication
{
    public const string Name = "commerce-services";

    public static RootCommand BuildRootCommand(GlobalOptions globals)
    {
        var root = new RootCommand("Operate a Commerce Services platform (accounts, entitlements, API key pairs, audit log) and connect instances to it.");
        globals.AddTo(root);
        root.Subcommands.Add(AccountsCommands.Build(globals));
        root.Subcommands.Add(EntitlementsCommands.Build(globals));
        root.Subcommands.Add(KeysCommands.Build(globals));
        root.Subcommands.Add(AuditCommands.Build(globals));
        root.Subcommands.Add(RegistryCommands.BuildQuota(globals));
        root.Subcommands.Add(RegistryCommands.BuildProjects(globals));
        root.Subcommands.Add(RegistryCommands.BuildDataSpaces(globals));
        root.Subcommands.Add(ConnectorCommands.Build(globals));
        root.Subcommands.Add(PaymentsCommands.Build(globals));
        root.Subcommands.Add(UsersCommands.Build(globals));
        root.Subcommands.Add(OperatorsCommands.Build(globals));
        root.Subcommands.Add(WebhooksCommands.Build(globals));
        root.Subcommands.Add(ServicesCommands.Build(globals));
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>. A command-line mistake is one stderr line and exit code 2.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct = default)
    {
        var globals = new GlobalOptions();
        var parse = BuildRootCommand(globals).Parse(args);
        if (parse.Errors.Count > 0)
        {
            var output = new CliOutput(stdout, stderr, json: parse.GetResult(globals.Json) is { Implicit: false });
            var problems = string.Join(" ", parse.Errors.Select(e => e.Message.TrimEnd('.') + "."));
            return output.Fail(CliError.Usage($"{problems} See '{CommandPath(parse.CommandResult)} --help'."));
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, ct);
    }

    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is not null; result = result.Parent)
        {
            if (result is CommandResult { Command: not RootCommand } c)
            {
                names.Insert(0, c.Command.Name);
            }
        }

        names.Insert(0, Name);
        return string.Join(' ', names);
    }
}
