using System.Net;
using System.Text;
using CommerceServices.Platform.Data;
using CommerceServices.Testing;
using Microsoft.Data.Sqlite;

namespace CommerceServices.Platform.Tests.Payments;

/// <summary>The full card number and the security code are never stored or logged: only brand, last four and expiry.</summary>
public sealed class CardDataAtRestTests
{
    [Fact]
    public async Task NeitherTheCardNumberNorTheSecurityCode_IsInTheDatabaseFilesOrTheLogs()
    {
        const string number = "4242424242424242";
        const string cvc = "9041"; // four digits on a Visa: refused, and the refusal must not leak it either
        await using var platform = await PlatformHost.StartAsync(StorageProvider.Sqlite);
        var merchant = await Merchant.CreateAsync(platform);
        var dataSpace = await merchant.DataSpaceAsync("testing");

        var authorized = await merchant.AuthorizeAsync(dataSpace, Merchant.Payment(card: number, cvc: "731"), idempotencyKey: "card-at-rest");
        var refused = await merchant.AuthorizeAsync(dataSpace, Merchant.Payment(card: number, cvc: cvc));
        var badJson = await merchant.AuthorizeAsync(dataSpace, new StringContent(
            $$$"""{"reference":"r","amount":12.5,"currency":"EUR","card":{"number":"{{{number}}}","expMonth":1,"expYear":2034,"cvc":"{{{cvc}}}"}}""",
            Encoding.UTF8, "application/json"));
        var id = (await authorized.ReadNodeAsync())["id"]!.GetValue<string>();
        await merchant.PostAsync(dataSpace, $"/payments/v1/payments/{id}/capture");

        Assert.Equal(HttpStatusCode.Created, authorized.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badJson.StatusCode);
        Assert.Contains("4242", (await (await merchant.GetAsync(dataSpace, $"/payments/v1/payments/{id}")).ReadNodeAsync())["card"]!["last4"]!.GetValue<string>());
        var files = Directory.GetFiles(platform.DataDirectory, "platform.db*");
        Assert.Contains(files, f => f.EndsWith("-wal", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var bytes = await ReadSharedAsync(file);
            Assert.False(Contains(bytes, number), $"{Path.GetFileName(file)} holds the card number.");
            Assert.False(Contains(bytes, "\"cvc\""), $"{Path.GetFileName(file)} holds a security code.");
            Assert.False(Contains(bytes, "\"" + cvc + "\""), $"{Path.GetFileName(file)} holds a security code.");
        }

        Assert.NotEmpty(platform.Logs.Lines);
        Assert.DoesNotContain(number, platform.Logs.All);
        Assert.DoesNotContain("4242 4242", platform.Logs.All);
        Assert.DoesNotMatch($"(?<![0-9]){cvc}(?![0-9])", platform.Logs.All);
        SqliteConnection.ClearAllPools();
    }

    private static async Task<byte[]> ReadSharedAsync(string file)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static bool Contains(byte[] haystack, string needle) =>
        haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0 || haystack.AsSpan().IndexOf(Encoding.Unicode.GetBytes(needle)) >= 0;
}
