using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CommerceServices.Connector.Tests;

/// <summary>Transient failures are retried with backoff (Polly); answers that will not change are not.</summary>
public sealed class TransientFailureRetryHandlerTests
{
    [Fact]
    public async Task TwoServerErrors_AreRetried_UntilTheThirdAttemptSucceeds()
    {
        var (client, attempts) = Client(HttpStatusCode.ServiceUnavailable, HttpStatusCode.BadGateway, HttpStatusCode.OK);

        using var response = await client.GetAsync("http://gateway.test/x");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, attempts.Count);
    }

    [Fact]
    public async Task ANetworkError_IsRetried()
    {
        var (client, attempts) = Client(null, HttpStatusCode.OK);

        using var response = await client.GetAsync("http://gateway.test/x");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, attempts.Count);
    }

    [Fact]
    public async Task A429_WaitsAsLongAsRetryAfterSays()
    {
        var (client, attempts) = Client(HttpStatusCode.TooManyRequests, HttpStatusCode.OK);
        var watch = Stopwatch.StartNew();

        using var response = await client.GetAsync("http://gateway.test/x");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, attempts.Count);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.95), $"retried after {watch.Elapsed}");
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Conflict)]
    public async Task AClientError_IsNotRetried(HttpStatusCode status)
    {
        var (client, attempts) = Client(status, HttpStatusCode.OK);

        using var response = await client.GetAsync("http://gateway.test/x");

        Assert.Equal(status, response.StatusCode);
        Assert.Single(attempts);
    }

    [Fact]
    public async Task AServerErrorToAPost_IsNotRetried_BecauseThePostMayHaveDoneItsWork()
    {
        var (client, attempts) = Client(HttpStatusCode.InternalServerError, HttpStatusCode.OK);

        using var response = await client.PostAsync("http://gateway.test/x", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Single(attempts);
    }

    [Fact]
    public async Task AnUnreachableHost_FailsAfterTheRetries_WithTheNetworkError()
    {
        var (client, attempts) = Client(null, null, null, null, null);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("http://gateway.test/x"));

        Assert.Equal(4, attempts.Count); // the first attempt and three retries
    }

    [Fact]
    public async Task APostThatTimesOut_IsNotSentAgain_BecauseItMayHaveCommitted()
    {
        var (client, attempts) = HangingFirstClient();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync("http://gateway.test/copy", new StringContent("{}")));

        Assert.Single(attempts);
    }

    [Fact]
    public async Task APostThatMeetsANetworkError_IsNotSentAgain()
    {
        var (client, attempts) = Client(null, HttpStatusCode.OK);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync("http://gateway.test/x", new StringContent("{}")));

        Assert.Single(attempts);
    }

    [Fact]
    public async Task APostWithAnIdempotencyKey_IsRetriedAfterATimeout_ANetworkErrorOrAServerError()
    {
        var (hanging, hangingAttempts) = HangingFirstClient();
        var (failing, failingAttempts) = Client(null, HttpStatusCode.InternalServerError, HttpStatusCode.OK);

        using var afterTimeout = await hanging.SendAsync(PostWithKey());
        using var afterErrors = await failing.SendAsync(PostWithKey());

        Assert.Equal(HttpStatusCode.OK, afterTimeout.StatusCode);
        Assert.Equal(2, hangingAttempts.Count);
        Assert.Equal(HttpStatusCode.OK, afterErrors.StatusCode);
        Assert.Equal(3, failingAttempts.Count);
    }

    [Fact]
    public async Task A429ToAPost_IsRetried_BecauseTheRequestWasTurnedAwayBeforeItRan()
    {
        var (client, attempts) = Client(HttpStatusCode.TooManyRequests, HttpStatusCode.OK);

        using var response = await client.PostAsync("http://gateway.test/x", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, attempts.Count);
    }

    private static HttpRequestMessage PostWithKey()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "http://gateway.test/payments") { Content = new StringContent("{}") };
        request.Headers.Add(Protocol.GatewayHeaders.IdempotencyKey, "order-1-authorize");
        return request;
    }

    /// <summary>A client whose first attempt never answers (it times out after 200 ms); later attempts answer 200.</summary>
    private static (HttpClient Client, List<DateTime> Attempts) HangingFirstClient()
    {
        var attempts = new List<DateTime>();
        var options = Options.Create(new CommerceServicesConnectorOptions
            { RetryDelay = TimeSpan.FromMilliseconds(10), AttemptTimeout = TimeSpan.FromMilliseconds(200) });
        var handler = new TransientFailureRetryHandler(options, NullLogger<TransientFailureRetryHandler>.Instance)
        {
            InnerHandler = new HangingFirstHandler(attempts),
        };
        return (new HttpClient(handler), attempts);
    }

    private sealed class HangingFirstHandler(List<DateTime> attempts) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            attempts.Add(DateTime.UtcNow);
            if (attempts.Count == 1)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }

    /// <summary>A client whose network answers with <paramref name="answers"/> in turn (null: connection refused).</summary>
    private static (HttpClient Client, List<DateTime> Attempts) Client(params HttpStatusCode?[] answers)
    {
        var attempts = new List<DateTime>();
        var options = Options.Create(new CommerceServicesConnectorOptions { RetryDelay = TimeSpan.FromMilliseconds(10) });
        var handler = new TransientFailureRetryHandler(options, NullLogger<TransientFailureRetryHandler>.Instance)
        {
            InnerHandler = new ScriptedHandler(answers, attempts),
        };
        return (new HttpClient(handler), attempts);
    }

    private sealed class ScriptedHandler(HttpStatusCode?[] answers, List<DateTime> attempts) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var answer = answers[Math.Min(attempts.Count, answers.Length - 1)];
            attempts.Add(DateTime.UtcNow);
            if (answer is not { } status)
            {
                throw new HttpRequestException("Connection refused (gateway.test:80)");
            }

            var response = new HttpResponseMessage(status);
            if (status == HttpStatusCode.TooManyRequests)
            {
                response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(1));
            }

            return Task.FromResult(response);
        }
    }
}
