using System.CommandLine;
using CommerceServices.Connector.Payments;
using CommerceServices.Protocol.Payments;
using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.LoadTool.Commands;

/// <summary>
/// <c>loadtool payments</c>: authorize + capture through the gateway with the connector's <see cref="PaymentsClient"/>
/// (an Idempotency-Key on each POST, a sandbox test card, a testing data space). One call is the pair. Several platforms
/// (say one on SQLite, one on PostgreSQL) are driven in alternating rounds from this one process, one JSON line per
/// platform, worker count and round, so they share the machine's noise alike.
/// </summary>
internal static class PaymentsCommand
{
    public static Command Build()
    {
        var targets = new Option<string[]>("--target")
        {
            Required = true, AllowMultipleArgumentsPerToken = false,
            Description = "label,gatewayUrl,apiKey,privateKeyFile,dataSpaceId (repeat for each platform).",
        };
        var workers = new Option<int[]>("--workers")
        {
            DefaultValueFactory = _ => [32], AllowMultipleArgumentsPerToken = true,
            Description = "Concurrent callers; several values (--workers 4 32) run each target at each, alternating, to show whether concurrency helps.",
        };
        var seconds = new Option<double>("--seconds") { DefaultValueFactory = _ => 3, Description = "Length of one measured round." };
        var rounds = new Option<int>("--rounds") { DefaultValueFactory = _ => 6, Description = "Measured rounds of each target." };
        var warmup = new Option<double>("--warmup-seconds") { DefaultValueFactory = _ => 3, Description = "Unmeasured first round of each target." };
        var command = new Command("payments", "Authorize + capture pairs per second through the connector's PaymentsClient (JSON lines).")
        {
            targets, workers, seconds, rounds, warmup,
        };
        command.SetAction(async (parse, ct) =>
        {
            var setups = new List<ConnectorSetup>();
            var stores = new List<DirectoryInfo>();
            try
            {
                var calls = new List<LoadMode>();
                foreach (var target in parse.GetRequiredValue(targets))
                {
                    var parts = target.Split(',');
                    if (parts.Length != 5)
                    {
                        Console.Error.WriteLine("--target takes label,gatewayUrl,apiKey,privateKeyFile,dataSpaceId.");
                        return 2;
                    }

                    var store = Directory.CreateTempSubdirectory("loadtool-payments-");
                    stores.Add(store);
                    var setup = await ConnectorSetup.CreateAsync(new Uri(parts[1], UriKind.Absolute), parts[2],
                        await File.ReadAllTextAsync(parts[3], ct), parts[4], store, ct);
                    setups.Add(setup);
                    var payments = setup.Services.GetRequiredService<PaymentsClient>();
                    calls.AddRange(parse.GetRequiredValue(workers).Select(count => new LoadMode(parts[0], count, AuthorizeAndCapture(payments))));
                }

                return await LoadDriver.AlternateAsync(calls, TimeSpan.FromSeconds(parse.GetValue(seconds)),
                    parse.GetValue(rounds), TimeSpan.FromSeconds(parse.GetValue(warmup)), ct);
            }
            finally
            {
                foreach (var setup in setups)
                {
                    await setup.DisposeAsync();
                }

                foreach (var store in stores)
                {
                    store.Delete(recursive: true);
                }
            }
        });
        return command;
    }

    /// <summary>One shop checkout's payment: authorize the order's amount with a test card, then capture all of it.</summary>
    private static Func<CancellationToken, Task<string?>> AuthorizeAndCapture(PaymentsClient payments)
    {
        long orders = 0;
        var run = Guid.NewGuid().ToString("N")[..8];
        return async ct =>
        {
            var order = $"bench-{run}-{Interlocked.Increment(ref orders)}";
            var authorized = await payments.AuthorizeAsync(new AuthorizePaymentRequest(order, 1250, "EUR",
                new CardDetails("4111111111111111", 12, DateTime.UtcNow.Year + 3, "737")), idempotencyKey: order + "/authorize", ct: ct);
            if (!authorized.Success || authorized.Payment!.Status != PaymentStatuses.Authorized)
            {
                return $"authorize: {authorized.Code ?? authorized.Payment?.Status}: {authorized.Message}";
            }

            var captured = await payments.CaptureAsync(authorized.Payment.Id, idempotencyKey: order + "/capture", ct: ct);
            return captured.Success && captured.Payment!.Status == PaymentStatuses.Captured
                ? null
                : $"capture: {captured.Code ?? captured.Payment?.Status}: {captured.Message}";
        };
    }
}
