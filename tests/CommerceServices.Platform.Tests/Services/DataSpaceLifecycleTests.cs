using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CommerceServices.Platform.Tests.Payments;
using CommerceServices.Protocol;
using CommerceServices.Protocol.Services;
using CommerceServices.Testing;

namespace CommerceServices.Platform.Tests.Services;

/// <summary>
/// One data space contract for every service: holdings, copy and delete cover Payment Services (inside the platform)
/// and the sample recommendations service (its own process and database) alike; a service that does not answer is
/// unknown, never empty, and the recorded jobs finish once it is back.
/// </summary>
public sealed class DataSpaceLifecycleTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cs-lifecycle-").FullName;
    private readonly int _port = ServiceProcess.FreePort();
    private PlatformProcess _platform = null!;
    private ServiceProcess? _service;
    private ServiceMerchant _merchant = null!;

    public async Task InitializeAsync()
    {
        _platform = await PlatformProcess.StartAsync(Path.Combine(_folder, "platform"), new Dictionary<string, string?>
        {
            ["ServiceGateway:LifecycleRetryMaxDelay"] = "00:00:01",
            // The service's first answer after its restart can take seconds on a busy machine. An answer the platform stopped
            // waiting for is lost though the copy was made: the retry adds, and counts, 0. A service that is away refuses at once.
            ["ServiceGateway:LifecycleTimeout"] = "00:00:20",
        });
        await StartServiceAsync();
        await ServicesTestKit.RegisterAsync(_platform, new ServiceRegistration("recommendations", "Recommendations", "/recommendations/v1",
            [_service!.Url.AbsoluteUri], DataSpaceModes.Required, LifecycleUrl: _service.LifecycleUrl.AbsoluteUri, TimeoutSeconds: 5));
        _merchant = await ServicesTestKit.MerchantAsync(_platform, "recommendations");
    }

    public async Task DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }

        await _platform.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the folder is in the temp directory either way.
        }
    }

    [Fact]
    public async Task HoldingsCopyAndDelete_CoverPaymentsAndTheSampleService_EachInItsOwnWords()
    {
        var from = _merchant.Testing;
        var to = await ServicesTestKit.DataSpaceAsync(_platform, _merchant.Account, "testing");
        await FillAsync(from);

        var holdings = await HoldingsAsync(from);
        var copied = await CopyAsync(from, to);
        var again = await CopyAsync(from, to);
        using var alsoBought = await ServicesTestKit.CallAsync(_platform, _merchant.Sandbox, HttpMethod.Get, "/recommendations/v1/products/mug/also-bought", to);
        using var refused = await _platform.Management.DeleteAsync($"/api/v1/accounts/{_merchant.Account}/data-spaces/{to}");
        using var deleted = await _platform.Management.DeleteAsync($"/api/v1/accounts/{_merchant.Account}/data-spaces/{from}?force=true");
        using var gone = await _platform.Management.GetAsync($"/api/v1/accounts/{_merchant.Account}/data-spaces/{from}");

        Assert.Equal("1 payment, 1 declined attempt", Holding(holdings, "payments")["description"]!.GetValue<string>());
        Assert.Equal(2, Holding(holdings, "payments")["items"]!.GetValue<int>());
        Assert.Equal("3 order lines of 2 orders", Holding(holdings, "recommendations")["description"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, copied.Status);
        Assert.Equal((2, 3), (Items(copied.Body, "payments"), Items(copied.Body, "recommendations")));
        Assert.Equal((0, 0), (Items(again.Body, "payments"), Items(again.Body, "recommendations")));
        Assert.Equal("tea", (await alsoBought.ReadNodeAsync())["products"]![0]!["sku"]!.GetValue<string>());
        var detail = (await refused.ReadNodeAsync())["detail"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("1 payment, 1 declined attempt and 3 order lines of 2 orders", detail);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        var audit = (await (await _platform.Management.GetAsync($"/api/v1/accounts/{_merchant.Account}/audit")).ReadNodeAsync()).AsArray();
        Assert.Contains(audit, e => e!["action"]!.GetValue<string>() == "data_space.deleted"
                                    && e["detail"]!.GetValue<string>().Contains("recommendations 3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AServiceThatIsDown_IsUnknown_TheGuardRefuses_AndTheCopyAndDeleteJobsFinishOnceItIsBack()
    {
        var from = _merchant.Testing;
        var to = await ServicesTestKit.DataSpaceAsync(_platform, _merchant.Account, "testing");
        await FillAsync(from);
        await _service!.KillAsync();

        var holdings = await HoldingsAsync(from);
        using var refused = await _platform.Management.DeleteAsync($"/api/v1/accounts/{_merchant.Account}/data-spaces/{from}");
        var copy = await CopyAsync(from, to);
        using var forced = await _platform.Management.DeleteAsync($"/api/v1/accounts/{_merchant.Account}/data-spaces/{from}?force=true");
        var deleteJob = (await forced.ReadNodeAsync())["jobId"]!.GetValue<string>();
        using var closed = await ServicesTestKit.CallAsync(_platform, _merchant.Sandbox, HttpMethod.Get, "/payments/v1/payments", from);
        await Task.Delay(TimeSpan.FromSeconds(2)); // a few retries while the service is away; none may finish the jobs
        var stillPending = await JobAsync(deleteJob);
        using var stillThere = await _platform.Management.GetAsync($"/api/v1/accounts/{_merchant.Account}/data-spaces/{from}");

        Assert.Null(Holding(holdings, "recommendations")["items"]);
        Assert.Contains("could not be reached", Holding(holdings, "recommendations")["problem"]!.GetValue<string>());
        Assert.Equal(2, Holding(holdings, "payments")["items"]!.GetValue<int>());
        Assert.Equal(ProblemCodes.DataSpaceNotEmpty, await refused.ProblemCodeAsync());
        Assert.Equal(HttpStatusCode.Accepted, copy.Status);
        Assert.Equal(LifecycleJobStatusesPending, copy.Body["status"]!.GetValue<string>());
        Assert.Equal(2, Items(copy.Body, "payments"));
        Assert.Null(Entry(copy.Body["copied"]!, "recommendations")["items"]);
        Assert.Equal(HttpStatusCode.Accepted, forced.StatusCode);
        Assert.Equal(ProblemCodes.DataSpaceNotFound, await closed.ProblemCodeAsync());
        Assert.Equal(LifecycleJobStatusesPending, stillPending["status"]!.GetValue<string>());
        // The delete waits for the copy out of the same data space: deleting first would lose what the copy carries over.
        Assert.Contains("waits for the copy", Entry(stillPending["services"]!, "recommendations")["lastError"]!.GetValue<string>());
        Assert.True(Entry((await JobAsync(copy.Body["jobId"]!.GetValue<string>()))["services"]!, "recommendations")["attempts"]!.GetValue<int>() >= 2);
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);

        await StartServiceAsync();
        var copyJob = copy.Body["jobId"]!.GetValue<string>();
        Assert.True(await ServicesTestKit.EventuallyAsync(async () =>
            (await JobAsync(copyJob))["status"]!.GetValue<string>() == "done" && (await JobAsync(deleteJob))["status"]!.GetValue<string>() == "done",
            TimeSpan.FromSeconds(30)), "The jobs did not finish once the service was back.");
        Assert.Equal(3, Entry((await JobAsync(copyJob))["services"]!, "recommendations")["items"]!.GetValue<int>());
        Assert.Equal(3, Entry((await JobAsync(deleteJob))["services"]!, "recommendations")["items"]!.GetValue<int>());
        using var goneNow = await _platform.Management.GetAsync($"/api/v1/accounts/{_merchant.Account}/data-spaces/{from}");
        Assert.Equal(HttpStatusCode.NotFound, goneNow.StatusCode);
        Assert.Equal("3 order lines of 2 orders", Holding(await HoldingsAsync(to), "recommendations")["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task ACopyOutOfADataSpaceWhoseDeleteIsUnderWay_IsRefused_AndCopiesNothing()
    {
        var from = _merchant.Testing;
        var to = await ServicesTestKit.DataSpaceAsync(_platform, _merchant.Account, "testing");
        await FillAsync(from);
        await _service!.KillAsync();

        // Payment Services deletes at once; the recommendations service is away, so the delete stays under way.
        using var forced = await _platform.Management.DeleteAsync($"/api/v1/accounts/{_merchant.Account}/data-spaces/{from}?force=true");
        var deleteJob = (await forced.ReadNodeAsync())["jobId"]!.GetValue<string>();
        using var copy = await _platform.Management.PostAsJsonAsync($"/api/v1/accounts/{_merchant.Account}/data-spaces/{to}/copy", new { from });
        await StartServiceAsync();
        var deleted = await ServicesTestKit.EventuallyAsync(async () => (await JobAsync(deleteJob))["status"]!.GetValue<string>() == "done",
            TimeSpan.FromSeconds(30));
        var jobs = (await (await _platform.Management.GetAsync($"/api/v1/accounts/{_merchant.Account}/jobs")).ReadNodeAsync()).AsArray();

        Assert.Equal(HttpStatusCode.Accepted, forced.StatusCode);
        // Accepted, it would copy after the delete had already run on Payment Services: "0 copied" of data just lost.
        Assert.Equal(HttpStatusCode.NotFound, copy.StatusCode);
        Assert.Equal(ProblemCodes.DataSpaceNotFound, await copy.ProblemCodeAsync());
        Assert.True(deleted, "The delete did not finish once the service was back.");
        Assert.DoesNotContain(jobs, j => j!["kind"]!.GetValue<string>() == "copy");
        var held = await HoldingsAsync(to);
        Assert.Equal((0, 0), (Holding(held, "payments")["items"]!.GetValue<int>(), Holding(held, "recommendations")["items"]!.GetValue<int>()));
    }

    private const string LifecycleJobStatusesPending = "pending";

    private async Task StartServiceAsync() =>
        _service = await ServiceProcess.StartAsync(Path.Combine(_folder, "recommendations"), _platform.PortalUrl, _port);

    /// <summary>A paid order and a declined card in Payment Services; two orders (three lines) in the recommendations service.</summary>
    private async Task FillAsync(string dataSpace)
    {
        foreach (var (card, reference) in new[] { (Cards.Visa, "order-1"), (Cards.DoNotHonour, "order-2") })
        {
            using var paid = await ServicesTestKit.CallAsync(_platform, _merchant.Sandbox, HttpMethod.Post, "/payments/v1/payments", dataSpace,
                JsonContent.Create(Merchant.Payment(card: card, reference: reference)));
            Assert.True(paid.IsSuccessStatusCode || paid.StatusCode == HttpStatusCode.PaymentRequired, await paid.Content.ReadAsStringAsync());
        }

        foreach (var order in new object[]
                 {
                     new { orderId = "o-1", lines = new[] { new { sku = "mug", quantity = 1 }, new { sku = "tea", quantity = 2 } } },
                     new { orderId = "o-2", lines = new[] { new { sku = "tea", quantity = 1 } } },
                 })
        {
            using var sent = await ServicesTestKit.CallAsync(_platform, _merchant.Sandbox, HttpMethod.Post, "/recommendations/v1/events", dataSpace,
                JsonContent.Create(order));
            Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        }
    }

    private async Task<JsonArray> HoldingsAsync(string dataSpace) =>
        (await (await _platform.Management.GetAsync($"/api/v1/accounts/{_merchant.Account}/data-spaces/{dataSpace}")).ReadNodeAsync())["holdings"]!.AsArray();

    private async Task<(HttpStatusCode Status, JsonNode Body)> CopyAsync(string from, string to)
    {
        using var response = await _platform.Management.PostAsJsonAsync($"/api/v1/accounts/{_merchant.Account}/data-spaces/{to}/copy", new { from });
        return (response.StatusCode, await response.ReadNodeAsync());
    }

    private async Task<JsonNode> JobAsync(string id) =>
        await (await _platform.Management.GetAsync($"/api/v1/accounts/{_merchant.Account}/jobs/{id}")).ReadNodeAsync();

    private static JsonNode Holding(JsonArray holdings, string service) => Entry(holdings, service);

    private static JsonNode Entry(JsonNode list, string service) => list.AsArray().Single(h => h!["service"]!.GetValue<string>() == service)!;

    private static int Items(JsonNode copy, string service) => Entry(copy["copied"]!, service)["items"]!.GetValue<int>();
}
