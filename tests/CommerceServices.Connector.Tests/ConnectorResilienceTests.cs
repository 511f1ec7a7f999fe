using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace CommerceServices.Connector.Tests;

/// <summary>
/// The connector's HTTP pipeline (Microsoft.Extensions.Http.Resilience, as <c>AddCommerceServicesSigning</c> builds it,
/// without the signing): transient failures are retried with backoff where a repeat is harmless, answers that will not
/// change are not, a call has a total timeout, and a gateway that keeps failing is left alone for a moment.
/// </summary>
public sealed class ConnectorResilienceTests
{
    [Fact]
    public async Task TwoServerErrors_AreRetried_UntilTheThirdAttemptSucceeds()
    {
        using var pipeline = Pipeline.Scripted(HttpStatusCode.ServiceUnavailable, HttpStatusCode.BadGateway, HttpStatusCode.OK);

        using var response = await pipeline.Client.GetAsync("http://gateway.test/x");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, pipeline.Attempts.Count);
    }

    [Fact]
    public async Task ANetworkError_IsRetried()
    {
        using var pipeline = Pipeline.Scripted(null, HttpStatusCode.OK);

        using var response = await pipeline.Client.GetAsync("http://gateway.test/x");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, pipeline.Attempts.Count);
    }

    [Fact]
    public async Task A429_WaitsAsLongAsRetryAfterSays()
    {
        using var pipeline = Pipeline.Scripted(HttpStatusCode.TooManyRequests, HttpStatusCode.OK);
        var watch = Stopwatch.StartNew();

        using var response = await pipeline.Client.GetAsync("http://gateway.test/x");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, pipeline.Attempts.Count);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.95), $"retried after {watch.Elapsed}");
    }

    [Fact]
    public async Task A429WithARetryAfterLongerThanHalfAMinute_IsAnsweredAtOnce()
    {
        using var pipeline = Pipeline.Scripted(TimeSpan.FromMinutes(2), HttpStatusCode.TooManyRequests, HttpStatusCode.OK);
        var watch = Stopwatch.StartNew();

        using var response = await pipeline.Client.GetAsync("http://gateway.test/x");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Single(pipeline.Attempts);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"answered after {watch.Elapsed}");
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Conflict)]
    public async Task AClientError_IsNotRetried(HttpStatusCode status)
    {
        using var pipeline = Pipeline.Scripted(status, HttpStatusCode.OK);

        using var response = await pipeline.Client.GetAsync("http://gateway.test/x");

        Assert.Equal(status, response.StatusCode);
        Assert.Single(pipeline.Attempts);
    }

    [Fact]
    public async Task AServerErrorToAPost_IsNotRetried_BecauseThePostMayHaveDoneItsWork()
    {
        using var pipeline = Pipeline.Scripted(HttpStatusCode.InternalServerError, HttpStatusCode.OK);

        using var response = await pipeline.Client.PostAsync("http://gateway.test/x", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Single(pipeline.Attempts);
    }

    [Fact]
    public async Task AnUnreachableHost_FailsAfterTheRetries_WithTheNetworkError()
    {
        using var pipeline = Pipeline.Scripted(null, null, null, null, null);

        await Assert.ThrowsAsync<HttpRequestException>(() => pipeline.Client.GetAsync("http://gateway.test/x"));

        Assert.Equal(4, pipeline.Attempts.Count); // the first attempt and three retries
    }

    [Fact]
    public async Task APostThatTimesOut_IsNotSentAgain_BecauseItMayHaveCommitted()
    {
        using var pipeline = Pipeline.HangingFirst();

        await Assert.ThrowsAsync<HttpRequestException>(() => pipeline.Client.PostAsync("http://gateway.test/copy", new StringContent("{}")));

        Assert.Single(pipeline.Attempts);
    }

    [Fact]
    public async Task APostThatMeetsANetworkError_IsNotSentAgain()
    {
        using var pipeline = Pipeline.Scripted(null, HttpStatusCode.OK);

        await Assert.ThrowsAsync<HttpRequestException>(() => pipeline.Client.PostAsync("http://gateway.test/x", new StringContent("{}")));

        Assert.Single(pipeline.Attempts);
    }

    [Fact]
    public async Task APostWithAnIdempotencyKey_IsRetriedAfterATimeout_ANetworkErrorOrAServerError()
    {
        using var hanging = Pipeline.HangingFirst();
        using var failing = Pipeline.Scripted(null, HttpStatusCode.InternalServerError, HttpStatusCode.OK);

        using var afterTimeout = await hanging.Client.SendAsync(PostWithKey());
        using var afterErrors = await failing.Client.SendAsync(PostWithKey());

        Assert.Equal(HttpStatusCode.OK, afterTimeout.StatusCode);
        Assert.Equal(2, hanging.Attempts.Count);
        Assert.Equal(HttpStatusCode.OK, afterErrors.StatusCode);
        Assert.Equal(3, failing.Attempts.Count);
    }

    [Fact]
    public async Task A429ToAPost_IsRetried_BecauseTheRequestWasTurnedAwayBeforeItRan()
    {
        using var pipeline = Pipeline.Scripted(HttpStatusCode.TooManyRequests, HttpStatusCode.OK);

        using var response = await pipeline.Client.PostAsync("http://gateway.test/x", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, pipeline.Attempts.Count);
    }

    [Fact]
    public async Task ACallWhoseAttemptsKeepTimingOut_EndsAtTheTotalTimeout()
    {
        using var pipeline = new Pipeline(new CommerceServicesConnectorOptions
        {
            MaxRetries = 10, RetryDelay = TimeSpan.FromMilliseconds(10),
            AttemptTimeout = TimeSpan.FromMilliseconds(200), TotalTimeout = TimeSpan.FromMilliseconds(700),
        }, attempts => new Hanging(attempts, answerFrom: int.MaxValue));

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => pipeline.Client.GetAsync("http://gateway.test/x"));

        Assert.Contains("did not answer within 0.7 seconds", failure.Message, StringComparison.Ordinal);
        Assert.InRange(pipeline.Attempts.Count, 1, 4); // 200 ms each: never the eleven attempts the retries alone allow
    }

    [Fact]
    public async Task TheBreaker_OpensAfterRepeatedFailures_AndThatGatewayIsNotCalledWhileItIsOpen_ButAnotherIs()
    {
        using var pipeline = Pipeline.Breaking(HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable,
            HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK);
        for (var i = 0; i < 3; i++)
        {
            using var failed = await pipeline.Client.GetAsync("http://gateway.test/x");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        }

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => pipeline.Client.GetAsync("http://gateway.test/x"));
        using var other = await pipeline.Client.GetAsync("http://other-gateway.test/x");

        Assert.Contains("paused", refused.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(["gateway.test", "gateway.test", "gateway.test", "other-gateway.test"], pipeline.Hosts);
    }

    [Fact]
    public async Task TheBreaker_ClosesAfterItsBreak_OnceTheGatewayAnswersAgain()
    {
        using var pipeline = Pipeline.Breaking(HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable,
            HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK);
        for (var i = 0; i < 3; i++)
        {
            (await pipeline.Client.GetAsync("http://gateway.test/x")).Dispose();
        }

        await Assert.ThrowsAsync<HttpRequestException>(() => pipeline.Client.GetAsync("http://gateway.test/x"));

        // After the break (one second here), one call tries the gateway again; it answers, and the breaker closes.
        HttpResponseMessage? answered = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (answered is null && DateTime.UtcNow < deadline)
        {
            try
            {
                answered = await pipeline.Client.GetAsync("http://gateway.test/x");
            }
            catch (HttpRequestException e) when (e.Message.Contains("paused", StringComparison.Ordinal))
            {
                await Task.Delay(100);
            }
        }

        using (answered)
        {
            Assert.Equal(HttpStatusCode.OK, answered?.StatusCode);
        }

        using var next = await pipeline.Client.GetAsync("http://gateway.test/x");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(5, pipeline.Attempts.Count); // three failures, the trial call, the next one: none refused by the breaker
    }

    [Fact]
    public async Task AnAppsResilienceHandlerForAllClients_IsReplacedOnTheConnectorsClients_ByTheConnectorsRules()
    {
        // The standard handler an app may give all its clients retries a POST's 500; the connector's rules never do.
        using var pipeline = Pipeline.ScriptedInApp(services => services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler()),
            HttpStatusCode.InternalServerError, HttpStatusCode.OK);

        using var response = await pipeline.Client.PostAsync("http://gateway.test/x", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Single(pipeline.Attempts);
    }

    private static HttpRequestMessage PostWithKey()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "http://gateway.test/payments") { Content = new StringContent("{}") };
        request.Headers.Add(Protocol.GatewayHeaders.IdempotencyKey, "order-1-authorize");
        return request;
    }

    /// <summary>A client of the connector's pipeline over a stand-in network, built by IHttpClientFactory as the connector's are.</summary>
    private sealed class Pipeline : IDisposable
    {
        private readonly ServiceProvider _services;
        private readonly List<HttpRequestMessage> _requests = [];

        public Pipeline(CommerceServicesConnectorOptions options, Func<List<HttpRequestMessage>, HttpMessageHandler> network,
            Action<IServiceCollection>? app = null)
        {
            var services = new ServiceCollection().AddLogging();
            app?.Invoke(services);
            services.AddSingleton(Options.Create(options));
            services.AddHttpClient("gateway").AddGatewayResilience().ConfigurePrimaryHttpMessageHandler(() => network(_requests));
            _services = services.BuildServiceProvider();
            Client = _services.GetRequiredService<IHttpClientFactory>().CreateClient("gateway");
        }

        public HttpClient Client { get; }

        public IReadOnlyList<HttpRequestMessage> Attempts => _requests;

        public IEnumerable<string> Hosts => _requests.Select(r => r.RequestUri!.Host);

        /// <summary>The network answers <paramref name="answers"/> in turn (null: connection refused), the last one ever after.</summary>
        public static Pipeline Scripted(params HttpStatusCode?[] answers) => Scripted(TimeSpan.FromSeconds(1), answers);

        public static Pipeline Scripted(TimeSpan retryAfter, params HttpStatusCode?[] answers) =>
            new(Defaults(), requests => new ScriptedHandler(answers, requests, retryAfter));

        public static Pipeline ScriptedInApp(Action<IServiceCollection> app, params HttpStatusCode?[] answers) =>
            new(Defaults(), requests => new ScriptedHandler(answers, requests, TimeSpan.FromSeconds(1)), app);

        /// <summary>No retries, and a breaker that opens after three failures in three attempts, for a second.</summary>
        public static Pipeline Breaking(params HttpStatusCode?[] answers) =>
            new(new CommerceServicesConnectorOptions
            {
                MaxRetries = 0, BreakMinimumThroughput = 3, BreakFailureRatio = 0.5, BreakDuration = TimeSpan.FromSeconds(1),
            }, requests => new ScriptedHandler(answers, requests, TimeSpan.FromSeconds(1)));

        /// <summary>The first attempt never answers (it times out after 200 ms); later attempts answer 200.</summary>
        public static Pipeline HangingFirst() =>
            new(new CommerceServicesConnectorOptions { RetryDelay = TimeSpan.FromMilliseconds(10), AttemptTimeout = TimeSpan.FromMilliseconds(200) },
                requests => new Hanging(requests, answerFrom: 2));

        public void Dispose()
        {
            Client.Dispose();
            _services.Dispose();
        }

        private static CommerceServicesConnectorOptions Defaults() => new() { RetryDelay = TimeSpan.FromMilliseconds(10) };
    }

    private sealed class Hanging(List<HttpRequestMessage> requests, int answerFrom) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            int attempt;
            lock (requests)
            {
                requests.Add(request);
                attempt = requests.Count;
            }

            if (attempt < answerFrom)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }

    private sealed class ScriptedHandler(HttpStatusCode?[] answers, List<HttpRequestMessage> requests, TimeSpan retryAfter) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            HttpStatusCode? answer;
            lock (requests)
            {
                answer = answers[Math.Min(requests.Count, answers.Length - 1)];
                requests.Add(request);
            }

            if (answer is not { } status)
            {
                throw new HttpRequestException("Connection refused (gateway.test:80)");
            }

            var response = new HttpResponseMessage(status);
            if (status == HttpStatusCode.TooManyRequests)
            {
                response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(retryAfter);
            }

            return Task.FromResult(response);
        }
    }
}
