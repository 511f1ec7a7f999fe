using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace CommerceServices.Testing;

/// <summary>
/// What every page a browser test opens must hold, checked on each HTML document the browser receives and on each
/// Content-Security-Policy violation it reports: the security headers (docs/security.md) and no violation at all. Attach
/// it to a browser context; at the end of a test, <see cref="AssertCleanAsync"/> fails the test on anything seen.
/// </summary>
public sealed class PageChecks
{
    // Reported from the page itself too: Chromium also logs "Refused to …" as a console error, but an event listener
    // catches what the console may word differently.
    private const string ViolationScript =
        "document.addEventListener('securitypolicyviolation', e => console.error('CSP violation: ' + e.effectiveDirective + ' blocked ' " +
        "+ (e.blockedURI || 'inline') + ' at ' + (e.sourceFile || document.location.href) + ':' + e.lineNumber));";

    private readonly ConcurrentQueue<string> _problems = new();
    private readonly ConcurrentDictionary<string, byte> _pages = new();
    private readonly ConcurrentQueue<Task> _pending = new();

    /// <summary>The paths of the HTML pages seen so far, with their status.</summary>
    public IReadOnlyCollection<string> PagesSeen => _pages.Keys.ToList();

    public static async Task<PageChecks> AttachAsync(IBrowserContext context)
    {
        var checks = new PageChecks();
        await checks.WatchAsync(context);
        return checks;
    }

    public async Task WatchAsync(IBrowserContext context)
    {
        await context.AddInitScriptAsync(ViolationScript);
        context.Console += (_, message) =>
        {
            if (message.Type == "error" && (message.Text.StartsWith("CSP violation", StringComparison.Ordinal)
                                            || message.Text.Contains("Content Security Policy", StringComparison.Ordinal)))
            {
                _problems.Enqueue($"{message.Text} (on {message.Location})");
            }
        };
        context.Response += (_, response) =>
        {
            if (response.Request.ResourceType == "document" && response.Status is < 300 or >= 400)
            {
                _pending.Enqueue(CheckAsync(response));
            }
        };
    }

    private async Task CheckAsync(IResponse response)
    {
        try
        {
            var headers = await response.AllHeadersAsync();
            if (headers.TryGetValue("content-type", out var type) && type.StartsWith("text/html", StringComparison.OrdinalIgnoreCase))
            {
                _pages.TryAdd($"{response.Status} {new Uri(response.Url).AbsolutePath}", 0);
                foreach (var problem in SecurityHeaderRules.PageProblems(headers))
                {
                    _problems.Enqueue($"{response.Status} {response.Url}: {problem}");
                }
            }
        }
        catch (PlaywrightException)
        {
            // The context closed while the headers were read: nothing left to check.
        }
    }

    /// <summary>Waits for the header checks of the pages received so far.</summary>
    public async Task SettleAsync()
    {
        while (_pending.TryDequeue(out var check))
        {
            await check;
        }
    }

    /// <summary>Everything wrong seen so far (headers missing or weak, CSP violations).</summary>
    public IReadOnlyList<string> Problems => _problems.ToArray();

    public void Clear() => _problems.Clear();

    public async Task AssertCleanAsync()
    {
        await SettleAsync();
        var problems = _problems.ToArray();
        if (problems.Length > 0)
        {
            throw new PageRulesBrokenException("Pages broke their security rules:\n" + string.Join('\n', problems.Distinct()));
        }
    }
}

/// <summary>Thrown by <see cref="PageChecks.AssertCleanAsync"/>: the test fails with the list of what was wrong.</summary>
public sealed class PageRulesBrokenException(string message) : Exception(message);
