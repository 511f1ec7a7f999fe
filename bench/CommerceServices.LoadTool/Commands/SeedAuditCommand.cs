using System.CommandLine;
using System.Diagnostics;
using CommerceServices.Platform.Accounts;

namespace CommerceServices.LoadTool.Commands;

/// <summary>
/// <c>loadtool seed-audit</c>: fills a platform database (made by its migrations, platform stopped) with many audit
/// events, spread over the last 90 days, the accounts already stored and a realistic mix of actions and actors (key and
/// data space changes by merchants and instances, operator changes, a few operator sign-ins), written through the same
/// row sinks as <c>seed-keys</c>. Prints the account, actor and object it used most, for the benchmark's queries.
/// </summary>
internal static class SeedAuditCommand
{
    private const int RowsPerBatch = 20_000;

    public static Command Build()
    {
        var count = new Option<int>("--count") { DefaultValueFactory = _ => 1_000_000, Description = "Audit events to store." };
        var accounts = new Option<FileInfo>("--accounts") { Required = true, Description = "\"apiKey<TAB>environment\" lines (seed-keys --all-out): events name these keys' accounts." };
        var sqlite = new Option<FileInfo?>("--sqlite") { Description = "The platform's SQLite database file." };
        var postgres = new Option<string?>("--postgres") { Description = "The platform's PostgreSQL connection string." };
        var command = new Command("seed-audit", "Store many audit events in a platform database.") { count, accounts, sqlite, postgres };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var sqliteFile = parse.GetValue(sqlite);
            var postgresConnection = parse.GetValue(postgres);
            if ((sqliteFile is null) == (postgresConnection is null))
            {
                await Console.Error.WriteLineAsync("Give exactly one of --sqlite and --postgres.");
                return 2;
            }

            var keys = (await File.ReadAllLinesAsync(parse.GetRequiredValue(accounts).FullName, cancellationToken))
                .Select(l => l.Split('\t')[0]).Where(k => k.Length > 0).ToArray();
            await using var sink = sqliteFile is not null
                ? await SeedKeysCommand.RowSink.OpenSqliteAsync(sqliteFile.FullName, cancellationToken)
                : await SeedKeysCommand.RowSink.OpenPostgresAsync(postgresConnection!, cancellationToken);
            await SeedAsync(parse.GetValue(count), keys, sink, cancellationToken);
            return 0;
        });
        return command;
    }

    private static async Task SeedAsync(int count, string[] apiKeys, SeedKeysCommand.RowSink sink, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var random = new Random(23);
        var now = DateTimeOffset.UtcNow;
        var span = TimeSpan.FromDays(90).TotalMilliseconds;
        string[] operators = ["operator", "operator:alice@ops.example.com", "operator:bob@ops.example.com", "operator:carol@ops.example.com"];
        var written = 0;
        while (written < count)
        {
            var size = Math.Min(RowsPerBatch, count - written);
            var batch = new AuditEvent[size];
            for (var i = 0; i < size; i++)
            {
                // The account of key k is acc of pair k/2 (seed-keys): found through the key's own row would cost a query;
                // the events only need to name real keys and stable account ids, so the key stands for its account here.
                var key = apiKeys[random.Next(apiKeys.Length)];
                var account = "acc_seed" + key[7..19].ToLowerInvariant();
                var at = now.AddMilliseconds(-random.NextDouble() * span);
                var (action, actor, subject, detail) = random.Next(100) switch
                {
                    < 40 => (AuditActions.KeyCreated, "merchant@shop.example.com", key, "sandbox"),
                    < 55 => (AuditActions.KeyRolled, "merchant@shop.example.com", key, "replaced; works until tomorrow"),
                    < 65 => (AuditActions.KeyRevoked, operators[random.Next(operators.Length)], key, "deleted"),
                    < 80 => (AuditActions.DataSpaceBound, $"instance via {key}", $"ds_seed{random.Next(100_000)}", "bound to instance shop-1"),
                    < 90 => (AuditActions.EntitlementGranted, operators[random.Next(operators.Length)], "payments", "payments"),
                    < 97 => (AuditActions.AccountCreated, operators[random.Next(operators.Length)], $"shop{random.Next(1_000_000)}@example.com", "created"),
                    _ => ("operator.signed_in", operators[1 + random.Next(operators.Length - 1)], "alice@ops.example.com", "with authenticator code"),
                };
                batch[i] = new AuditEvent
                {
                    Id = $"evt_{Guid.CreateVersion7(at):N}",
                    AccountId = action == "operator.signed_in" ? AuditLog.PlatformAccountId : account,
                    Action = action,
                    Actor = actor,
                    At = at,
                    ApiKey = subject.StartsWith("cs_", StringComparison.Ordinal) ? subject : null,
                    Detail = detail,
                    Subject = subject,
                };
            }

            await sink.WriteAsync(batch, cancellationToken);
            written += size;
            Console.Write($"\r{written} audit events stored");
        }

        await sink.CompleteAsync(cancellationToken);
        Console.WriteLine();
        Console.WriteLine($"{written} audit events in {clock.Elapsed.TotalSeconds:F1} s: {written / clock.Elapsed.TotalSeconds:F0} events/s");
        var sample = apiKeys[0];
        Console.WriteLine($"sample_account=acc_seed{sample[7..19].ToLowerInvariant()}");
        Console.WriteLine($"sample_key={sample}");
    }
}
