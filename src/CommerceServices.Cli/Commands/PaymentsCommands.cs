using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CommerceServices.Connector;
using CommerceServices.Connector.Payments;
using CommerceServices.Protocol.Payments;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Cli.Commands;

/// <summary>
/// <c>payments list | get</c>: a merchant's quick look at Payment Services, through the connector store of an instance
/// (its keys, gateway and data space), signed as the instance signs.
/// </summary>
public static class PaymentsCommands
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public static Command Build(GlobalOptions globals)
    {
        var command = new Command("payments", "Payments of an instance's data space, read through its connector store.");
        command.Subcommands.Add(List(globals));
        command.Subcommands.Add(Get(globals));
        return command;
    }

    private static Command List(GlobalOptions globals)
    {
        var store = StoreOption();
        var status = new Option<string?>("--status") { Description = $"Only payments in this state: {string.Join(", ", PaymentStatuses.All)}.", HelpName = "status" };
        var reference = new Option<string?>("--reference", "-r") { Description = "Only payments with this reference (order number).", HelpName = "text" };
        var limit = new Option<int?>("--limit", "-n") { Description = "How many payments per page (1-100, default 20).", HelpName = "count" };
        var cursor = new Option<string?>("--cursor") { Description = "The next page: the 'nextCursor' of the previous one.", HelpName = "cursor" };
        return new Command("list", "The data space's payments, newest first.")
            .With(store, status, reference, limit, cursor)
            .WithPayments(globals, store, async (cli, payments, ct) =>
            {
                var result = await payments.ListAsync(new PaymentListFilter(cli.Parse.GetValue(status), cli.Parse.GetValue(reference),
                    Limit: cli.Parse.GetValue(limit), Cursor: cli.Parse.GetValue(cursor)), ct);
                if (result.Failure is { } failure)
                {
                    return cli.Output.Fail(ErrorOf(failure));
                }

                var page = result.Value!;
                if (cli.Output.Json)
                {
                    return cli.Output.WriteJson(JsonSerializer.SerializeToNode(page, JsonOptions));
                }

                cli.Output.WriteTable(["id", "reference", "status", "amount", "captured", "refunded", "card", "created"],
                    page.Data.Select(p => (IReadOnlyList<string?>)
                    [
                        p.Id, p.Reference, p.Status, Money.Format(p.Amount, p.Currency), Money.Format(p.CapturedAmount, p.Currency),
                        Money.Format(p.RefundedAmount, p.Currency), Card(p.Card), Time(p.CreatedAt),
                    ]));
                if (page.NextCursor is not null)
                {
                    cli.Output.Out.WriteLine($"More: --cursor {page.NextCursor}");
                }

                return ExitCodes.Ok;
            });
    }

    private static Command Get(GlobalOptions globals)
    {
        var store = StoreOption();
        var id = new Argument<string>("id") { Description = "The payment id (pay_…)." };
        var command = new Command("get", "One payment, with its refunds.").With(store);
        command.Arguments.Add(id);
        return command.WithPayments(globals, store, async (cli, payments, ct) =>
        {
            var result = await payments.GetAsync(cli.Parse.GetValue(id)!, ct);
            if (result.Failure is { } failure)
            {
                return cli.Output.Fail(ErrorOf(failure));
            }

            var p = result.Payment!;
            if (cli.Output.Json)
            {
                return cli.Output.WriteJson(JsonSerializer.SerializeToNode(p, JsonOptions));
            }

            cli.Output.WriteDetails(
            [
                ("id", p.Id),
                ("reference", p.Reference),
                ("status", p.DeclineReason is null ? p.Status : $"{p.Status} ({p.DeclineReason})"),
                ("amount", Money.Format(p.Amount, p.Currency)),
                ("captured", Money.Format(p.CapturedAmount, p.Currency)),
                ("refunded", Money.Format(p.RefundedAmount, p.Currency)),
                ("card", Card(p.Card)),
                ("created", Time(p.CreatedAt)),
                ("updated", Time(p.UpdatedAt)),
            ]);
            if (p.Refunds.Count > 0)
            {
                cli.Output.WriteTable(["refund", "amount", "created"],
                    p.Refunds.Select(r => (IReadOnlyList<string?>)[r.Id, Money.Format(r.Amount, p.Currency), Time(r.CreatedAt)]));
            }

            return ExitCodes.Ok;
        });
    }

    private static CliError ErrorOf(GatewayFailure failure) => failure.Kind == GatewayFailureKind.Unreachable
        ? new CliError(failure.Code, failure.Message, ExitCodes.Unreachable)
        : CliError.Refused(failure.Code, failure.Message);

    private static string? Card(CardSummary? card) => card is null ? null : $"{card.Brand} •••• {card.Last4} {card.ExpMonth:00}/{card.ExpYear}";

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static Option<DirectoryInfo> StoreOption() => new("--store")
    {
        Description = "The instance's connector settings store folder (as given to 'connector configure').",
        HelpName = "dir",
        Required = true,
    };

    /// <summary>Runs <paramref name="action"/> with a <see cref="PaymentsClient"/> over the store, which must exist.</summary>
    private static Command WithPayments(this Command command, GlobalOptions globals, Option<DirectoryInfo> store,
        Func<CommandContext, PaymentsClient, CancellationToken, Task<int>> action) =>
        command.WithAction(globals, async (cli, ct) =>
        {
            var folder = cli.Value(store);
            if (!folder.Exists)
            {
                return cli.Output.Fail(CliError.Usage(
                    $"There is no connector store at '{folder.FullName}': pass the folder given to 'connector configure --store'."));
            }

            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?>
                {
                    [$"{CommerceServicesConnectorOptions.Section}:{nameof(CommerceServicesConnectorOptions.StoreDirectory)}"] = folder.FullName,
                    [$"{CommerceServicesConnectorOptions.Section}:{nameof(CommerceServicesConnectorOptions.AttemptTimeout)}"] =
                        TimeSpan.FromSeconds(15).ToString("c", CultureInfo.InvariantCulture),
                })
                .Build();
            await using var services = new ServiceCollection().AddCommerceServicesConnector(configuration).AddCommerceServicesPayments()
                .BuildServiceProvider();
            try
            {
                return await action(cli, services.GetRequiredService<PaymentsClient>(), ct);
            }
            catch (ConnectorStoreException e)
            {
                return cli.Output.Fail(CliError.InvalidFile(e.Message));
            }
        });
}
