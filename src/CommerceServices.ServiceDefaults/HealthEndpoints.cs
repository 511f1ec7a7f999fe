using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace CommerceServices.ServiceDefaults;

/// <summary>
/// <c>GET /healthz</c>: the process answers (no check runs; for liveness). <c>GET /readyz</c>: every registered health
/// check passes (for a balancer, which takes a node that is not ready out). Added at the front of the pipeline by the
/// defaults themselves, so a host needs no second line to map them.
/// </summary>
internal sealed class HealthEndpoints : IStartupFilter
{
    public const string Liveness = "/healthz";
    public const string Readiness = "/readyz";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseHealthChecks(Liveness, new HealthCheckOptions { Predicate = _ => false });
        app.UseHealthChecks(Readiness);
        next(app);
    };

    /// <summary>Probes and scrapes, which are not worth a trace each.</summary>
    public static bool IsProbe(PathString path) =>
        path.StartsWithSegments(Liveness) || path.StartsWithSegments(Readiness) || path.StartsWithSegments("/metrics");
}
