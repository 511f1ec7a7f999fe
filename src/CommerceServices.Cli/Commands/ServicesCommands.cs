using System.CommandLine;
using System.Text.Json.Nodes;
using CommerceServices.Protocol.Services;

namespace CommerceServices.Cli.Commands;

/// <summary><c>services add | list | show | remove</c>: the services behind the gateways (operator token).</summary>
public static class ServicesCommands
{
    public static Command Build(GlobalOptions globals)
    {
        var command = new Command("services", "Register, list, show and remove the services behind the gateways.");
        command.Subcommands.Add(Add(globals));
        command.Subcommands.Add(List(globals));
        command.Subcommands.Add(Show(globals));
        command.Subcommands.Add(Remove(globals));
        return command;
    }

    private static Command Add(GlobalOptions globals)
    {
        var id = Id("The service's id: 1 to 40 characters of a-z, 0-9 and '-'. Entitlements name it.");
        var name = new Option<string>("--name", "-n") { Description = "A name for people, such as Recommendations.", HelpName = "name", Required = true };
        var prefix = new Option<string>("--path-prefix") { Description = "The path the gateways forward, such as /recommendations/v1.", HelpName = "path", Required = true };
        var upstreams = new Option<string[]>("--upstream")
        {
            Description = "A base URL of the service; give several to load balance (unhealthy ones are skipped).",
            HelpName = "url",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var dataSpace = new Option<string?>("--data-space")
        {
            Description = "Whether a call must name a data space: required (default), optional or none.",
            HelpName = "required|optional|none",
        };
        var environments = new Option<string[]>("--environment", "-e")
        {
            Description = "A gateway the service is offered on: sandbox, production or both (default both).",
            HelpName = "sandbox|production|both",
        };
        var lifecycle = new Option<string?>("--lifecycle-url")
        {
            Description = "Where the service answers the data space lifecycle contract (holdings, copy, delete), if it keeps data per data space.",
            HelpName = "url",
        };
        var timeout = new Option<int?>("--timeout") { Description = "Seconds the gateway waits for an answer (default 30); then 504 service_timeout.", HelpName = "seconds" };
        var health = new Option<string?>("--health-path") { Description = "A path each upstream answers 2xx on while healthy, such as /healthz.", HelpName = "path" };
        var concurrency = new Option<int?>("--max-concurrent-requests")
        {
            Description = "Calls in progress allowed per node (default 100); one more is 503 service_busy.",
            HelpName = "n",
        };
        return new Command("add", "Register a service: every node forwards to it within moments.")
            .With(id, name, prefix, upstreams, dataSpace, environments, lifecycle, timeout, health, concurrency)
            .WithAction(globals, async (cli, ct) =>
            {
                var registration = new ServiceRegistration(cli.Value(id), cli.Value(name), cli.Value(prefix), cli.Value(upstreams),
                    cli.Parse.GetValue(dataSpace), cli.Parse.GetValue(environments) is { Length: > 0 } e ? e : null, cli.Parse.GetValue(lifecycle),
                    cli.Parse.GetValue(timeout), cli.Parse.GetValue(health), cli.Parse.GetValue(concurrency));
                return cli.Render(await cli.Client.AddServiceAsync(registration, ct), service => WriteService(cli.Output, service));
            });
    }

    private static Command List(GlobalOptions globals) =>
        new Command("list", "List every service behind the gateways, Payment Services included, with its health on the node that answered.")
            .WithAction(globals, async (cli, ct) => cli.Render(await cli.Client.ListServicesAsync(ct), services => cli.Output.WriteTable(
                ["id", "name", "path prefix", "upstreams", "data space", "environments", "healthy", "from"],
                (services as JsonArray ?? []).Select(s => (IReadOnlyList<string?>)
                [
                    CliOutput.Text(s, "id"), CliOutput.Text(s, "name"), CliOutput.Text(s, "pathPrefix"),
                    s?["inProcess"]?.GetValue<bool>() == true ? "(in the platform)" : Join(s?["upstreams"]), CliOutput.Text(s, "dataSpace"),
                    Join(s?["environments"]), s?["healthy"]?.GetValue<bool>() == true ? "yes" : "no", CliOutput.Text(s, "origin"),
                ]))));

    private static Command Show(GlobalOptions globals)
    {
        var id = Id("The service's id.");
        return new Command("show", "Show one service and the health of each of its upstreams.").With(id).WithAction(globals, async (cli, ct) =>
            cli.Render(await cli.Client.GetServiceAsync(cli.Value(id), ct), service => WriteService(cli.Output, service)));
    }

    private static Command Remove(GlobalOptions globals)
    {
        var id = Id("The service's id.");
        return new Command("remove", "Remove a service registered through the API or the CLI, and the entitlements to it. Its data stays with the service.")
            .With(id).WithAction(globals, async (cli, ct) =>
                cli.Render(await cli.Client.RemoveServiceAsync(cli.Value(id), ct), _ => cli.Output.Out.WriteLine($"Removed service {cli.Value(id)}.")));
    }

    private static void WriteService(CliOutput output, JsonNode? service) => output.WriteDetails(
    [
        ("id", CliOutput.Text(service, "id")),
        ("name", CliOutput.Text(service, "name")),
        ("path prefix", CliOutput.Text(service, "pathPrefix")),
        ("upstreams", service?["inProcess"]?.GetValue<bool>() == true ? "(in the platform)"
            : string.Join(", ", (service?["upstreamHealth"] as JsonArray ?? []).Select(u => $"{CliOutput.Text(u, "url")} ({CliOutput.Text(u, "health")})"))),
        ("data space", CliOutput.Text(service, "dataSpace")),
        ("environments", Join(service?["environments"])),
        ("lifecycle URL", CliOutput.Text(service, "lifecycleUrl")),
        ("timeout", service?["timeoutSeconds"] is { } t ? $"{t} s" : null),
        ("health path", CliOutput.Text(service, "healthPath")),
        ("max concurrent", service?["inProcess"]?.GetValue<bool>() == true ? null : service?["maxConcurrentRequests"]?.ToString()),
        ("healthy", service?["healthy"]?.GetValue<bool>() == true ? "yes" : "no"),
        ("from", CliOutput.Text(service, "origin")),
    ]);

    private static string Join(JsonNode? values) => string.Join(", ", (values as JsonArray ?? []).Select(v => v?.GetValue<string>()));

    private static Option<string> Id(string description) => new("--id") { Description = description, HelpName = "id", Required = true };
}
