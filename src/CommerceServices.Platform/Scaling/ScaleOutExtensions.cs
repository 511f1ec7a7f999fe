namespace CommerceServices.Platform.Scaling;

public static class ScaleOutExtensions
{
    /// <summary>
    /// What running as one of several nodes needs: key changes carried between nodes on PostgreSQL. Health and
    /// readiness (<c>/healthz</c>, <c>/readyz</c>) and the metrics come from the service defaults
    /// (<see cref="Observability.ObservabilityExtensions"/>).
    /// </summary>
    public static IHostApplicationBuilder AddPlatformScaleOut(this IHostApplicationBuilder builder)
    {
        // It reads its configuration when the host is built, so that settings added after this call count too.
        builder.Services.AddHostedService<PostgresKeyChanges>();
        return builder;
    }
}
