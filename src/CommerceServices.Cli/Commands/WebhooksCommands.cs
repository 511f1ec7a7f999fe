using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json.Nodes;

namespace CommerceServices.Cli.Commands;

/// <summary>
/// <c>webhooks add | list | update | remove | roll-secret | replay | test | attempts</c>: an account's webhook endpoints.
/// A secret is shown by the command that made it (add, roll-secret) and never again.
/// </summary>
public static class WebhooksCommands
{
    public const string SecretWarning =
        "The signing secret is shown only this once: give it to the receiver now (for the connector: CommerceServices:Webhooks:Secrets).";

    public static Command Build(GlobalOptions globals)
    {
        var command = new Command("webhooks", "Push signed events (Standard Webhooks) to an instance: endpoints, secrets, replays, test events.");
        command.Subcommands.Add(Add(globals));
        command.Subcommands.Add(List(globals));
        command.Subcommands.Add(Update(globals));
        command.Subcommands.Add(Remove(globals));
        command.Subcommands.Add(RollSecret(globals));
        command.Subcommands.Add(Replay(globals));
        command.Subcommands.Add(Test(globals));
        command.Subcommands.Add(Attempts(globals));
        return command;
    }

    private static Option<string> Endpoint() => new("--id", "-i") { Description = "The endpoint's id (we_…).", HelpName = "id", Required = true };

    private static Option<string[]> Events(bool required) => new("--events")
    {
        Description = "Event types: *, payment.*, key.*, data_space.*, or exact types such as payment.captured (comma-separated or repeated).",
        HelpName = "types",
        Required = required,
        AllowMultipleArgumentsPerToken = true,
        CustomParser = result => result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray(),
    };

    private static Command Add(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        var environment = CommonOptions.Environment();
        environment.Description = "The environment whose events the endpoint gets: sandbox or production.";
        var url = new Option<string>("--url", "-u") { Description = "Where to send them (https:// for production).", HelpName = "url", Required = true };
        var events = Events(required: false);
        events.DefaultValueFactory = _ => ["*"];
        var description = new Option<string?>("--description", "-d") { Description = "What the endpoint is, for people.", HelpName = "text" };
        return new Command("add", "Register an endpoint; prints its signing secret once.").With(account, environment, url, events, description)
            .WithAction(globals, async (cli, ct) =>
            {
                var result = await cli.Client.CreateWebhookAsync(cli.Value(account), cli.Value(url), cli.Value(environment), cli.Value(events),
                    cli.Parse.GetValue(description), ct);
                return WriteIssued(cli, result, "Registered");
            });
    }

    private static Command List(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        return new Command("list", "List an account's endpoints (never their secrets).").With(account).WithAction(globals, async (cli, ct) =>
        {
            var result = await cli.Client.ListWebhooksAsync(cli.Value(account), ct);
            return cli.Render(result, endpoints => cli.Output.WriteTable(
                ["id", "environment", "URL", "events", "status", "secrets", "created"],
                (endpoints as JsonArray ?? []).Select(e => (IReadOnlyList<string?>)
                [
                    CliOutput.Text(e, "id"), CliOutput.Text(e, "environment"), CliOutput.Text(e, "url"),
                    string.Join(",", (e?["events"] as JsonArray ?? []).Select(x => x?.ToString())),
                    Status(e), (e?["secrets"] as JsonArray)?.Count.ToString(CultureInfo.InvariantCulture), CliOutput.Time(e, "createdAt"),
                ])));
        });
    }

    private static Command Update(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        var id = Endpoint();
        var url = new Option<string?>("--url", "-u") { Description = "A new URL.", HelpName = "url" };
        var events = Events(required: false);
        var enable = new Option<bool>("--enable") { Description = "Enable it (after the platform disabled it, or you did): what waited is sent at once." };
        var disable = new Option<bool>("--disable") { Description = "Disable it: nothing is sent until it is enabled again." };
        var command = new Command("update", "Change an endpoint's URL or event types, or enable or disable it.").With(account, id, url, events, enable, disable);
        command.Validators.Add(result =>
        {
            if (result.GetValue(enable) && result.GetValue(disable))
            {
                result.AddError("--enable and --disable cannot be used together.");
            }
        });
        return command.WithAction(globals, async (cli, ct) =>
        {
            bool? enabled = cli.Value(enable) ? true : cli.Value(disable) ? false : null;
            var chosen = cli.Parse.GetResult(events) is null ? null : cli.Value(events);
            var result = await cli.Client.UpdateWebhookAsync(cli.Value(account), cli.Value(id), cli.Parse.GetValue(url), chosen, enabled, ct);
            return cli.Render(result, endpoint => WriteEndpoint(cli.Output, endpoint));
        });
    }

    private static Command Remove(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        var id = Endpoint();
        return new Command("remove", "Delete an endpoint: nothing more is sent to it.").With(account, id).WithAction(globals, async (cli, ct) =>
        {
            var result = await cli.Client.DeleteWebhookAsync(cli.Value(account), cli.Value(id), ct);
            if (result.Error is { } error)
            {
                return cli.Output.Fail(error);
            }

            if (cli.Output.Json)
            {
                return cli.Output.WriteJson(new JsonObject { ["id"] = cli.Value(id), ["status"] = "deleted" });
            }

            cli.Output.Out.WriteLine($"Deleted {cli.Value(id)}: nothing more is sent to it.");
            return ExitCodes.Ok;
        });
    }

    private static Command RollSecret(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        var id = Endpoint();
        var overlap = new Option<TimeSpan>("--overlap")
        {
            Description = $"How long the current secret stays valid beside the new one, at most 7d: {Duration.Help}, or 0 to end it at once.",
            HelpName = "duration",
            Required = true,
            CustomParser = ParseOverlap,
        };
        return new Command("roll-secret", "Make a new signing secret; deliveries carry a signature for each valid secret during the overlap.")
            .With(account, id, overlap).WithAction(globals, async (cli, ct) =>
            {
                var result = await cli.Client.RollWebhookSecretAsync(cli.Value(account), cli.Value(id), (int)cli.Value(overlap).TotalSeconds, ct);
                return WriteIssued(cli, result, "Rolled");
            });
    }

    private static Command Replay(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        var id = Endpoint();
        var delivery = new Option<string?>("--delivery") { Description = "Send this one delivery's event again (whd_…).", HelpName = "id" };
        var since = new Option<DateTimeOffset?>("--since") { Description = "Send again every event from this time (ISO 8601, such as 2026-12-05T10:00:00Z)…", HelpName = "time" };
        var until = new Option<DateTimeOffset?>("--until") { Description = "…until this time (not included); now when left out.", HelpName = "time" };
        var command = new Command("replay", "Send events again with their original webhook-id: one delivery, or a time range.").With(account, id, delivery, since, until);
        command.Validators.Add(result =>
        {
            var one = result.GetResult(delivery) is not null;
            var range = result.GetResult(since) is not null;
            if (one == range)
            {
                result.AddError("Give either --delivery or --since (with --until).");
            }
        });
        return command.WithAction(globals, async (cli, ct) =>
        {
            if (cli.Parse.GetValue(delivery) is { } deliveryId)
            {
                var single = await cli.Client.ReplayWebhookDeliveryAsync(cli.Value(account), cli.Value(id), deliveryId, ct);
                return cli.Render(single, d => cli.Output.Out.WriteLine($"Queued {CliOutput.Text(d, "id")}: event {CliOutput.Text(d, "eventId")} goes again."));
            }

            var result = await cli.Client.ReplayWebhooksAsync(cli.Value(account), cli.Value(id), cli.Parse.GetValue(since)!.Value,
                cli.Parse.GetValue(until) ?? DateTimeOffset.UtcNow, ct);
            return cli.Render(result, r => cli.Output.Out.WriteLine($"Queued {r?["deliveries"]} deliveries, each with its original webhook-id."));
        });
    }

    private static Command Test(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        var id = Endpoint();
        return new Command("test", "Send a webhook.test event to the endpoint.").With(account, id).WithAction(globals, async (cli, ct) =>
        {
            var result = await cli.Client.SendWebhookTestAsync(cli.Value(account), cli.Value(id), ct);
            return cli.Render(result, d => cli.Output.Out.WriteLine(
                $"Queued test event {CliOutput.Text(d, "eventId")} (delivery {CliOutput.Text(d, "id")}); see 'webhooks attempts' for how it went."));
        });
    }

    private static Command Attempts(GlobalOptions globals)
    {
        var account = CommonOptions.Account();
        var id = Endpoint();
        var limit = new Option<int?>("--limit", "-n") { Description = "At most this many attempts (50 unless given).", HelpName = "n" };
        return new Command("attempts", "Recent attempts, newest first: status, duration, response code, next retry.").With(account, id, limit)
            .WithAction(globals, async (cli, ct) =>
            {
                var result = await cli.Client.ListWebhookAttemptsAsync(cli.Value(account), cli.Value(id), cli.Parse.GetValue(limit), ct);
                return cli.Render(result, attempts => cli.Output.WriteTable(
                    ["at", "event", "webhook-id", "response", "ms", "delivery", "next retry", "error"],
                    (attempts as JsonArray ?? []).Select(a => (IReadOnlyList<string?>)
                    [
                        CliOutput.Time(a, "at"), CliOutput.Text(a, "eventType"), CliOutput.Text(a, "eventId"), a?["statusCode"]?.ToString(),
                        a?["durationMs"]?.ToString(), CliOutput.Text(a, "deliveryState"), CliOutput.Time(a, "nextAttemptAt"), CliOutput.Text(a, "error"),
                    ])));
            });
    }

    private static int WriteIssued(CommandContext cli, ApiResult result, string verb)
    {
        if (result.Error is { } error)
        {
            return cli.Output.Fail(error);
        }

        if (cli.Output.Json)
        {
            return cli.Output.WriteJson(result.Body);
        }

        var endpoint = result.Body?["endpoint"];
        WriteEndpoint(cli.Output, endpoint);
        cli.Output.Out.WriteLine();
        cli.Output.Out.WriteLine($"{verb}. WARNING: " + SecretWarning);
        cli.Output.Out.WriteLine(CliOutput.Text(result.Body, "secret"));
        return ExitCodes.Ok;
    }

    private static void WriteEndpoint(CliOutput output, JsonNode? endpoint) => output.WriteDetails(
    [
        ("id", CliOutput.Text(endpoint, "id")),
        ("URL", CliOutput.Text(endpoint, "url")),
        ("environment", CliOutput.Text(endpoint, "environment")),
        ("events", string.Join(",", (endpoint?["events"] as JsonArray ?? []).Select(x => x?.ToString()))),
        ("status", Status(endpoint)),
        ("secrets valid until", string.Join(", ", (endpoint?["secrets"] as JsonArray ?? []).Select(s => CliOutput.Time(s, "expiresAt") ?? "no end"))),
    ]);

    private static string? Status(JsonNode? endpoint) =>
        CliOutput.Text(endpoint, "disabledReason") is { } reason ? $"disabled ({reason})" : CliOutput.Text(endpoint, "status");

    private static TimeSpan ParseOverlap(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (text == "0")
        {
            return TimeSpan.Zero;
        }

        if (Duration.TryParse(text, out var duration) && duration <= TimeSpan.FromDays(7))
        {
            return duration;
        }

        result.AddError($"'{text}' is not a valid --overlap: use 0 or {Duration.Help}, at most 7d.");
        return TimeSpan.Zero;
    }
}
