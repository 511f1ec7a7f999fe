using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json.Nodes;

namespace CommerceServices.Cli.Commands;

/// <summary>
/// <c>keys create | roll | list | delete</c>. A private key made by the platform is shown by the command that made it, on
/// stdout or in a new owner-only file, and nowhere else (R7).
/// </summary>
public static class KeysCommands
{
    public const string PrivateKeyWarning =
        "The private key is shown only this once: the platform does not keep it and cannot show it again. " +
        "Store it now (for example in the connector); if it is lost, make a new pair.";

    public static Command Build(GlobalOptions globals)
    {
        var command = new Command("keys", "Make, roll, list and delete API key pairs.");
        command.Subcommands.Add(Issue(globals, roll: false));
        command.Subcommands.Add(Issue(globals, roll: true));
        command.Subcommands.Add(List(globals));
        command.Subcommands.Add(Delete(globals));
        return command;
    }

    private static Command Issue(GlobalOptions globals, bool roll)
    {
        var account = CommonOptions.Account();
        var environment = CommonOptions.Environment();
        var publicKeyFile = new Option<FileInfo?>("--public-key-file")
        {
            Description = "Register this RSA public key (PEM) instead of having the platform make the pair; no private key is made.",
            HelpName = "file",
        };
        var privateKeyOut = new Option<FileInfo?>("--private-key-out")
        {
            Description = "Write the private key to this new file (owner-only permissions) instead of printing it.",
            HelpName = "file",
        };
        var grace = new Option<TimeSpan>("--grace", "-g")
        {
            Description = $"How long the old pair keeps working: {Duration.Help}.",
            HelpName = "duration",
            Required = true,
            CustomParser = ParseGrace,
        };

        var command = roll
            ? new Command("roll", "Make a new active pair; the old one keeps working for the grace period, then retires by itself.")
                .With(account, environment, grace, publicKeyFile, privateKeyOut)
            : new Command("create", "Make a new active pair; the environment's previous pair is retired at once.")
                .With(account, environment, publicKeyFile, privateKeyOut);
        command.Validators.Add(result =>
        {
            if (result.GetResult(publicKeyFile) is not null && result.GetResult(privateKeyOut) is not null)
            {
                result.AddError("--private-key-out cannot be used with --public-key-file: with your own public key no private key is made.");
            }
        });

        return command.WithAction(globals, async (cli, ct) =>
        {
            string? publicKey = null;
            if (cli.Parse.GetValue(publicKeyFile) is { } file)
            {
                try
                {
                    publicKey = await File.ReadAllTextAsync(file.FullName, ct);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return cli.Output.Fail(CliError.InvalidFile($"Cannot read the public key file '{file.FullName}': {e.Message}"));
                }
            }

            var outFile = cli.Parse.GetValue(privateKeyOut);
            if (outFile is not null && (outFile.Exists || Directory.Exists(outFile.FullName)))
            {
                return cli.Output.Fail(CliError.InvalidFile(
                    $"'{outFile.FullName}' already exists: the private key is only ever written to a new file."));
            }

            var result = roll
                ? await cli.Client.RollKeyAsync(cli.Value(account), cli.Value(environment), (int)cli.Value(grace).TotalSeconds, publicKey, ct)
                : await cli.Client.CreateKeyAsync(cli.Value(account), cli.Value(environment), publicKey, ct);
            if (result.Error is { } error)
            {
                return cli.Output.Fail(error);
            }

            return WriteIssued(cli.Output, result.Body as JsonObject ?? [], outFile);
        });
    }

    private static int WriteIssued(CliOutput output, JsonObject issued, FileInfo? outFile)
    {
        var privateKey = CliOutput.Text(issued, "privateKey");
        var exitCode = ExitCodes.Ok;
        if (outFile is not null && privateKey is not null)
        {
            if (PrivateKeyFile.TryWriteNew(outFile.FullName, privateKey, out var problem))
            {
                issued.Remove("privateKey");
                issued["privateKeyFile"] = outFile.FullName;
                privateKey = null;
            }
            else
            {
                // The pair exists now; losing its private key would leave it useless. Show it here instead.
                output.Error.WriteLine($"error: {CliError.InvalidFileCode}: could not write '{outFile.FullName}' ({problem}); " +
                                       "the private key is printed on stdout instead.");
                exitCode = ExitCodes.Usage;
            }
        }

        if (output.Json)
        {
            output.WriteJson(issued);
            return exitCode;
        }

        output.WriteDetails(
        [
            ("API key", CliOutput.Text(issued, "apiKey")),
            ("environment", CliOutput.Text(issued, "environment")),
            ("status", CliOutput.Text(issued, "status")),
            ("origin", CliOutput.Text(issued, "origin")),
            ("created", CliOutput.Time(issued, "createdAt")),
        ]);
        if (issued["previous"] is JsonObject previous)
        {
            var until = CliOutput.Time(previous, "expiresAt");
            output.Out.WriteLine(CliOutput.Text(previous, "status") == "expiring"
                ? $"Previous key {CliOutput.Text(previous, "apiKey")} keeps working until {until}, then retires by itself."
                : $"Previous key {CliOutput.Text(previous, "apiKey")} is {CliOutput.Text(previous, "status")}.");
        }

        if (issued["privateKeyFile"] is not null)
        {
            output.Out.WriteLine($"Private key written to {CliOutput.Text(issued, "privateKeyFile")} (readable by you only). " +
                                 "It is not shown again and the platform does not keep it.");
        }
        else if (privateKey is not null)
        {
            output.Out.WriteLine();
            output.Out.WriteLine("WARNING: " + PrivateKeyWarning);
            output.Out.WriteLine(privateKey.TrimEnd());
        }
        else
        {
            output.Out.WriteLine("The pair uses your own public key: no private key was made, yours never left your machine.");
        }

        return exitCode;
    }

    private static Command List(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        return new Command("list", "List an account's pairs (public data only).").With(account).WithAction(globals, async (cli, ct) =>
        {
            var result = await cli.Client.ListKeysAsync(cli.Value(account), ct);
            return cli.Render(result, keys => cli.Output.WriteTable(
                ["API key", "environment", "status", "origin", "created", "expires", "last used"],
                (keys as JsonArray ?? []).Select(k => (IReadOnlyList<string?>)
                [
                    CliOutput.Text(k, "apiKey"), CliOutput.Text(k, "environment"), CliOutput.Text(k, "status"),
                    CliOutput.Text(k, "origin"), CliOutput.Time(k, "createdAt"), CliOutput.Time(k, "expiresAt"),
                    CliOutput.Time(k, "lastUsedAt"),
                ])));
        });
    }

    private static Command Delete(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        var apiKey = new Option<string>("--api-key", "-k") { Description = "The public API key to revoke.", HelpName = "key", Required = true };
        return new Command("delete", "Revoke a pair at once.").With(account, apiKey).WithAction(globals, async (cli, ct) =>
        {
            var key = cli.Value(apiKey);
            var result = await cli.Client.DeleteKeyAsync(cli.Value(account), key, ct);
            if (result.Error is { } error)
            {
                return cli.Output.Fail(error);
            }

            if (cli.Output.Json)
            {
                return cli.Output.WriteJson(new JsonObject { ["apiKey"] = key, ["status"] = "revoked" });
            }

            cli.Output.Out.WriteLine($"Revoked {key}: it stops working at once.");
            return ExitCodes.Ok;
        });
    }

    private static TimeSpan ParseGrace(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (Duration.TryParse(text, out var duration))
        {
            return duration;
        }

        result.AddError($"'{text}' is not a valid --grace duration: use {Duration.Help}.");
        return TimeSpan.Zero;
    }
}
