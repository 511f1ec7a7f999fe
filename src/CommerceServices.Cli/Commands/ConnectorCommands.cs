using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using CommerceServices.Connector;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Registry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Cli.Commands;

/// <summary>
/// <c>connector configure | status | use-data-space | generate-key</c>: the instance side, acting on a connector
/// settings store folder. Status exits 0 only when the platform verified the connection.
/// </summary>
public static class ConnectorCommands
{
    public static Command Build(GlobalOptions globals)
    {
        var command = new Command("connector", "Connect an instance: its keys, SaaS identifier and connection status (acts on a settings store).");
        command.Subcommands.Add(Configure(globals));
        command.Subcommands.Add(Status(globals));
        command.Subcommands.Add(UseDataSpace(globals));
        command.Subcommands.Add(GenerateKey(globals));
        return command;
    }

    private static Command Configure(GlobalOptions globals)
    {
        var store = StoreOption();
        var environment = CommonOptions.Environment();
        environment.Description = "The environment of the key pair; it becomes the active one.";
        var apiKey = new Option<string>("--api-key", "-k") { Description = "The public API key (cs_sbx_… or cs_prd_…).", HelpName = "key", Required = true };
        var privateKeyFile = new Option<FileInfo>("--private-key-file")
        {
            Description = "The private key (PEM, PKCS#8 or PKCS#1). It is stored encrypted, never printed.",
            HelpName = "file",
            Required = true,
        };
        var project = new Option<string?>("--project", "-p") { Description = "The SaaS project id.", HelpName = "id" };
        var dataSpace = new Option<string?>("--data-space", "-d") { Description = "The data space to bind this instance to.", HelpName = "id" };
        var sandboxGateway = GatewayOption("--sandbox-gateway", "sandbox");
        var productionGateway = GatewayOption("--production-gateway", "production");
        var move = MoveOptions(out var carryOver, out var discard);

        var command = new Command("configure", "Save a key pair (checked offline, then by the gateway) and the SaaS identifier; binds the data space to this instance.")
            .With(store, environment, apiKey, privateKeyFile, project, dataSpace, sandboxGateway, productionGateway, carryOver, discard);
        command.Validators.Add(move);
        return command.WithConnector(globals, store, async (cli, connector, ct) =>
        {
            if (!GatewayEnvironments.TryParse(cli.Value(environment), out var env))
            {
                return cli.Output.Fail(CliError.Usage($"'{cli.Value(environment)}' is not an environment: use sandbox or production."));
            }

            var file = cli.Value(privateKeyFile);
            string pem;
            try
            {
                pem = await File.ReadAllTextAsync(file.FullName, ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return cli.Output.Fail(CliError.InvalidFile($"Cannot read the private key file '{file.FullName}': {e.Message}"));
            }

            var result = await connector.ConfigureAsync(new ConnectorChange
            {
                Environment = env,
                ApiKey = cli.Value(apiKey),
                PrivateKeyPem = pem,
                ProjectId = cli.Parse.GetValue(project),
                DataSpaceId = cli.Parse.GetValue(dataSpace),
                SandboxGatewayUrl = cli.Parse.GetValue(sandboxGateway),
                ProductionGatewayUrl = cli.Parse.GetValue(productionGateway),
            }, MoveOf(cli, carryOver, discard), ct);
            return WriteResult(cli.Output, result);
        });
    }

    private static Command Status(GlobalOptions globals)
    {
        var store = ExistingStoreOption();
        return new Command("status", "Whether this instance is connected and, if not, exactly why. Exit code 0 only when verified.")
            .With(store)
            .WithConnector(globals, store, async (cli, connector, ct) =>
            {
                var status = await connector.GetStatusAsync(ct);
                var exitCode = status.State switch
                {
                    ConnectionState.Verified => ExitCodes.Ok,
                    ConnectionState.Unreachable => ExitCodes.Unreachable,
                    _ => ExitCodes.Refused,
                };
                if (cli.Output.Json)
                {
                    cli.Output.WriteJson(new JsonObject
                    {
                        ["state"] = ConnectionStatus.StateName(status.State),
                        ["code"] = status.Code,
                        ["message"] = status.Message,
                        ["environment"] = status.Environment.ToName(),
                        ["project"] = status.ProjectId,
                        ["dataSpace"] = status.DataSpaceId,
                        ["dataSpaceName"] = status.DataSpaceName,
                        ["accountId"] = status.AccountId,
                        ["instanceId"] = status.InstanceId,
                        ["missing"] = new JsonArray([.. status.Missing.Select(m => (JsonNode?)m)]),
                        ["clockOffsetSeconds"] = status.ClockOffset is { } offset ? ClockOffsetSeconds(offset) : null,
                    });
                    return exitCode;
                }

                cli.Output.WriteDetails(
                [
                    ("state", ConnectionStatus.StateName(status.State)),
                    ("code", status.Code),
                    ("environment", status.Environment.ToName()),
                    ("account", status.AccountId),
                    ("project", status.ProjectId),
                    ("data space", status.DataSpaceName is null ? status.DataSpaceId : $"{status.DataSpaceName} ({status.DataSpaceId})"),
                    ("instance", status.InstanceId),
                ]);
                cli.Output.Out.WriteLine(status.Message);
                return exitCode;
            });
    }

    private static Command UseDataSpace(GlobalOptions globals)
    {
        var store = ExistingStoreOption();
        var dataSpace = new Option<string>("--data-space", "-d") { Description = "The data space to move this instance to.", HelpName = "id", Required = true };
        var project = new Option<string?>("--project", "-p") { Description = "The data space's project id.", HelpName = "id" };
        var move = MoveOptions(out var carryOver, out var discard);
        var command = new Command("use-data-space",
                "Bind this instance to another data space. A production instance's data is not left behind unless --carry-over or --discard says what to do with it.")
            .With(store, dataSpace, project, carryOver, discard);
        command.Validators.Add(move);
        return command.WithConnector(globals, store, async (cli, connector, ct) =>
            WriteResult(cli.Output, await connector.UseDataSpaceAsync(cli.Value(dataSpace), MoveOf(cli, carryOver, discard), cli.Parse.GetValue(project), ct)));
    }

    private static Command GenerateKey(GlobalOptions globals)
    {
        var store = StoreOption();
        var environment = CommonOptions.Environment();
        var account = CommonOptions.Account();
        return new Command("generate-key",
                "Make an RSA 2048 pair here, register only its public key with the platform (--platform, --token) and keep the private key in the store.")
            .With(store, environment, account)
            .WithConnector(globals, store, async (cli, connector, ct) =>
            {
                if (!GatewayEnvironments.TryParse(cli.Value(environment), out var env))
                {
                    return cli.Output.Fail(CliError.Usage($"'{cli.Value(environment)}' is not an environment: use sandbox or production."));
                }

                var result = await connector.GenerateKeyPairAsync(env, cli.Parse.GetValue(globals.Platform)!, globals.TokenOf(cli.Parse), cli.Value(account), ct);
                return WriteResult(cli.Output, result);
            });
    }

    /// <summary>Seconds to one decimal; a clock a hair behind rounds to 0, not -0 (adding +0.0 turns -0.0 into 0.0).</summary>
    public static double ClockOffsetSeconds(TimeSpan offset) => Math.Round(offset.TotalSeconds, 1) + 0.0;

    private static int WriteResult(CliOutput output, ConfigureResult result)
    {
        if (!result.Success)
        {
            var exitCode = result.Unreachable ? ExitCodes.Unreachable : result.Offline ? ExitCodes.Usage : ExitCodes.Refused;
            var code = result.Code!;
            if (output.Json)
            {
                output.Error.WriteLine($"error: {code}: {result.Message.ReplaceLineEndings(" ")}");
                output.WriteJson(new JsonObject
                {
                    ["code"] = code,
                    ["detail"] = result.Message,
                    ["wouldLose"] = Holdings(result.WouldLose),
                });
                return exitCode;
            }

            return output.Fail(new CliError(code, result.Message, exitCode));
        }

        var settings = result.Settings!;
        if (output.Json)
        {
            return output.WriteJson(new JsonObject
            {
                ["saved"] = true,
                ["message"] = result.Message,
                ["environment"] = settings.Environment?.ToName(),
                ["sandboxApiKey"] = settings.Sandbox?.ApiKey,
                ["productionApiKey"] = settings.Production?.ApiKey,
                ["project"] = settings.ProjectId,
                ["dataSpace"] = settings.DataSpaceId,
                ["instanceId"] = settings.InstanceId,
                ["copied"] = Holdings(result.Copied),
            });
        }

        output.Out.WriteLine(result.Message);
        return ExitCodes.Ok;
    }

    /// <summary>Each service's holdings: its count (null when it did not answer) and what it holds in its own words.</summary>
    private static JsonArray Holdings(IReadOnlyList<Holding> holdings) =>
        new([.. holdings.Select(h => (JsonNode?)new JsonObject { ["service"] = h.Service, ["items"] = h.Items, ["holds"] = h.Describe() })]);

    private static Option<DirectoryInfo> StoreOption() => new("--store")
    {
        Description = "The connector's settings store folder (created when missing).",
        HelpName = "dir",
        Required = true,
    };

    /// <summary>
    /// <c>--store</c> of a command that reads a store: a folder that does not exist is refused (exit 2) instead of
    /// becoming a new, empty store with a new instance id.
    /// </summary>
    private static Option<DirectoryInfo> ExistingStoreOption()
    {
        var option = StoreOption();
        option.Description = "The connector's settings store folder, made by 'connector configure' or 'connector generate-key'.";
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<DirectoryInfo>() is { } folder && !folder.Exists)
            {
                result.AddError($"The store folder '{folder.FullName}' does not exist. Check --store, or make the store first with " +
                                $"'{CliApplication.Name} connector configure --store {folder.Name} …'.");
            }
        });
        return option;
    }

    private static Option<Uri?> GatewayOption(string name, string environment) => new(name)
    {
        Description = $"The {environment} gateway URL, saved in the store.",
        HelpName = "url",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                return uri;
            }

            result.AddError($"'{text}' ({name}) is not an http:// or https:// URL.");
            return null;
        },
    };

    private static Action<System.CommandLine.Parsing.CommandResult> MoveOptions(out Option<bool> carryOver, out Option<bool> discard)
    {
        var carry = new Option<bool>("--carry-over")
        {
            Description = "Moving a production instance: copy its data into the new data space first, then bind it, then release the old one.",
        };
        var drop = new Option<bool>("--discard")
        {
            Description = "Moving a production instance: bind the new data space without copying; the old data stays behind, unused.",
        };
        carryOver = carry;
        discard = drop;
        return result =>
        {
            if (result.GetValue(carry) && result.GetValue(drop))
            {
                result.AddError("Choose one of --carry-over and --discard.");
            }
        };
    }

    private static DataSpaceMove MoveOf(CommandContext cli, Option<bool> carryOver, Option<bool> discard) =>
        cli.Parse.GetValue(carryOver) ? DataSpaceMove.CarryOver : cli.Parse.GetValue(discard) ? DataSpaceMove.Discard : DataSpaceMove.None;

    /// <summary>Runs <paramref name="action"/> with a connector over the <c>--store</c> folder.</summary>
    private static Command WithConnector(this Command command, GlobalOptions globals, Option<DirectoryInfo> store,
        Func<CommandContext, CommerceServicesConnector, CancellationToken, Task<int>> action) =>
        command.WithAction(globals, async (cli, ct) =>
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?>
                {
                    [$"{CommerceServicesConnectorOptions.Section}:{nameof(CommerceServicesConnectorOptions.StoreDirectory)}"] =
                        cli.Value(store).FullName,
                    [$"{CommerceServicesConnectorOptions.Section}:{nameof(CommerceServicesConnectorOptions.AttemptTimeout)}"] =
                        TimeSpan.FromSeconds(15).ToString("c", CultureInfo.InvariantCulture),
                })
                .Build();
            await using var services = new ServiceCollection().AddCommerceServicesConnector(configuration).BuildServiceProvider();
            try
            {
                return await action(cli, services.GetRequiredService<CommerceServicesConnector>(), ct);
            }
            catch (ConnectorStoreException e)
            {
                return cli.Output.Fail(CliError.InvalidFile(e.Message));
            }
        });
}
