namespace CommerceServices.Testing;

/// <summary>The headers an HTML page must carry, as rules over the response's headers (lower-case names).</summary>
public static class SecurityHeaderRules
{
    private static readonly string[] RequiredDirectives =
        ["default-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"];

    private static readonly string[] FeaturesOff = ["camera=()", "microphone=()", "geolocation=()"];

    public static IEnumerable<string> PageProblems(IReadOnlyDictionary<string, string> headers)
    {
        string? Header(string name) => headers.TryGetValue(name, out var value) ? value : null;

        var csp = Header("content-security-policy");
        if (csp is null)
        {
            yield return "no Content-Security-Policy";
        }
        else
        {
            foreach (var directive in RequiredDirectives.Where(d => !csp.Contains(d, StringComparison.Ordinal)))
            {
                yield return $"Content-Security-Policy lacks \"{directive}\" ({csp})";
            }

            if (csp.Contains("'unsafe-inline'", StringComparison.Ordinal) || csp.Contains("'unsafe-eval'", StringComparison.Ordinal))
            {
                yield return $"Content-Security-Policy allows unsafe inline code ({csp})";
            }

            if (!csp.Contains("script-src", StringComparison.Ordinal) || !csp.Contains("style-src", StringComparison.Ordinal))
            {
                yield return $"Content-Security-Policy names no script-src or style-src ({csp})";
            }
        }

        if (Header("x-content-type-options") != "nosniff")
        {
            yield return "no X-Content-Type-Options: nosniff";
        }

        if (Header("referrer-policy") is not ("no-referrer" or "same-origin"))
        {
            yield return $"Referrer-Policy is {Header("referrer-policy") ?? "missing"}, not no-referrer or same-origin";
        }

        if (Header("x-frame-options") is not { } frame || !frame.Equals("DENY", StringComparison.OrdinalIgnoreCase))
        {
            yield return "no X-Frame-Options: DENY";
        }

        var permissions = Header("permissions-policy") ?? "";
        foreach (var feature in FeaturesOff.Where(f => !permissions.Contains(f, StringComparison.Ordinal)))
        {
            yield return $"Permissions-Policy does not turn off {feature} ({permissions})";
        }

        if (Header("server") is { } server)
        {
            yield return $"Server header tells the server ({server})";
        }
    }
}
