using System.Net;
using CommerceServices.Platform.Data;
using CommerceServices.Platform.Payments;
using CommerceServices.Protocol.Payments;
using CommerceServices.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CommerceServices.Platform.Tests.Payments;

/// <summary>
/// The three defects of the earlier payment code, each shown from outside: a capture repeated after its client went
/// away (the commit ran on the request's token), a second payment after the answer store failed (the answer was a commit
/// of its own), and the processor called inside the database transaction with about twice the commits. The answer store
/// is <see cref="ClientAndAnswerStoreFaultTests.WhenTheAnswerStoreFails_NothingIsRecordedWithoutIt_AndTheRetryFinishesTheCallOnce"/>.
/// </summary>
public sealed class PaymentDefectTests
{
    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task ACaptureWhoseClientLeftAfterTheApproval_IsNotDoneAgainByItsRetry(StorageProvider provider)
    {
        var processor = new RecordingProcessor();
        await using var platform = await PlatformHost.StartAsync(provider, services: s => s.AddSingleton<IPaymentProcessor>(processor));
        var merchant = await Merchant.CreateAsync(platform);
        var production = await merchant.DataSpaceAsync("production");
        var id = (await (await merchant.AuthorizeAsync(production, Merchant.Payment(card: Cards.RealLooking), key: merchant.Production)).ReadNodeAsync())["id"]!.GetValue<string>();
        var key = Guid.NewGuid().ToString();
        processor.Delay = TimeSpan.FromSeconds(2); // the approval's answer is slow: the client leaves before it comes

        using var leaving = new CancellationTokenSource();
        var capture = merchant.SendAsync(merchant.Production, HttpMethod.Post, $"/payments/v1/payments/{id}/capture", production, new { }, key, leaving.Token);
        var until = DateTime.UtcNow.AddSeconds(30);
        while (processor.Calls < 2 && DateTime.UtcNow < until)
        {
            await Task.Delay(10);
        }

        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => capture);
        await Task.Delay(TimeSpan.FromSeconds(3)); // the approval comes back to no one
        processor.Delay = TimeSpan.Zero;
        var retry = await merchant.PostAsync(production, $"/payments/v1/payments/{id}/capture", null, key, merchant.Production);

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(PaymentStatuses.Captured, (await retry.ReadNodeAsync())["status"]!.GetValue<string>());
        Assert.Equal(2, processor.Calls); // the authorization and one capture: the retry did not capture again
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task TheProcessorIsCalled_WithNoDatabaseLockHeld(StorageProvider provider)
    {
        var processor = new RecordingProcessor();
        var locked = new List<string>();
        await using var platform = await PlatformHost.StartAsync(provider, services: s => s.AddSingleton<IPaymentProcessor>(processor));
        processor.OnOperation = async operation =>
        {
            if (await TryWriteAsync(platform) is { } refusal)
            {
                lock (locked)
                {
                    locked.Add($"{operation.GetType().Name}: {refusal}");
                }
            }
        };
        var merchant = await Merchant.CreateAsync(platform);
        var production = await merchant.DataSpaceAsync("production");

        var id = (await (await merchant.AuthorizeAsync(production, Merchant.Payment(card: Cards.RealLooking), key: merchant.Production)).ReadNodeAsync())["id"]!.GetValue<string>();
        var captured = await merchant.PostAsync(production, $"/payments/v1/payments/{id}/capture", null, null, merchant.Production);
        var refunded = await merchant.PostAsync(production, $"/payments/v1/payments/{id}/refunds", new { amount = 100 }, null, merchant.Production);

        Assert.Equal(HttpStatusCode.OK, captured.StatusCode);
        Assert.Equal(HttpStatusCode.OK, refunded.StatusCode);
        Assert.Equal(3, processor.Calls);
        Assert.Empty(locked);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task AnAuthorizeAndCapturePair_CommitsFourTimes_AndItsReplayNotAtAll(StorageProvider provider)
    {
        var processor = new RecordingProcessor();
        var commits = new CommitCounter();
        await using var platform = await PlatformHost.StartAsync(provider,
            new Dictionary<string, string?> { ["Payments:RecoveryInterval"] = "01:00:00" },
            services: s =>
            {
                s.AddSingleton<IPaymentProcessor>(processor);
                s.ConfigureDbContext<PlatformDbContext>((_, o) => o.AddInterceptors(commits));
            });
        var merchant = await Merchant.CreateAsync(platform);
        var production = await merchant.DataSpaceAsync("production");
        await merchant.AuthorizeAsync(production, Merchant.Payment(card: Cards.RealLooking, reference: "warm-up"), key: merchant.Production);

        var before = commits.Commits;
        var authorized = await merchant.AuthorizeAsync(production, Merchant.Payment(card: Cards.RealLooking), "pair-authorize", merchant.Production);
        var id = (await authorized.ReadNodeAsync())["id"]!.GetValue<string>();
        var captured = await merchant.PostAsync(production, $"/payments/v1/payments/{id}/capture", null, "pair-capture", merchant.Production);
        var pair = commits.Commits - before;
        await merchant.AuthorizeAsync(production, Merchant.Payment(card: Cards.RealLooking), "pair-authorize", merchant.Production);
        await merchant.PostAsync(production, $"/payments/v1/payments/{id}/capture", null, "pair-capture", merchant.Production);
        var replay = commits.Commits - before - pair;

        Assert.Equal(HttpStatusCode.OK, captured.StatusCode);
        Assert.Equal(4, pair); // intent and outcome of each call (the sandbox's own books would add one per call)
        Assert.Equal(0, replay);
    }

    /// <summary>Tries to write payments from another connection, without waiting: null when it could, else why not.</summary>
    private static async Task<string?> TryWriteAsync(PlatformHost platform)
    {
        try
        {
            if (platform.Provider == StorageProvider.Sqlite)
            {
                await using var connection = new SqliteConnection($"Data Source={Path.Combine(platform.DataDirectory, "platform.db")};Default Timeout=1;Pooling=False");
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = "BEGIN IMMEDIATE; ROLLBACK;";
                await command.ExecuteNonQueryAsync();
            }
            else
            {
                await using var connection = new NpgsqlConnection(platform.ConnectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("""BEGIN; SELECT 1 FROM "Payments" FOR UPDATE NOWAIT; ROLLBACK;""", connection);
                await command.ExecuteNonQueryAsync();
            }

            return null;
        }
        catch (Exception e) when (e is SqliteException or PostgresException)
        {
            return e.Message;
        }
    }
}
