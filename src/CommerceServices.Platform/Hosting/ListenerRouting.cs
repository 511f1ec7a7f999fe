using Microsoft.AspNetCore.Routing.Matching;

namespace CommerceServices.Platform.Hosting;

/// <summary>Endpoint metadata: the listeners an endpoint answers on.</summary>
public sealed record ListenerMetadata(params PlatformListener[] Listeners);

public static class ListenerRoutingExtensions
{
    /// <summary>Makes the endpoints answer only on the given listeners; elsewhere they are 404.</summary>
    public static TBuilder RequireListener<TBuilder>(this TBuilder builder, params PlatformListener[] listeners)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new ListenerMetadata(listeners));
        return builder;
    }
}

/// <summary>Drops candidate endpoints whose <see cref="ListenerMetadata"/> does not include the request's listener.</summary>
internal sealed class ListenerMatcherPolicy(PlatformListeners listeners) : MatcherPolicy, IEndpointSelectorPolicy
{
    public override int Order => 0;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
        endpoints.Any(e => e.Metadata.GetMetadata<ListenerMetadata>() is not null);

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var listener = listeners.Identify(httpContext);
        for (var i = 0; i < candidates.Count; i++)
        {
            var metadata = candidates[i].Endpoint.Metadata.GetMetadata<ListenerMetadata>();
            if (metadata is not null && (listener is null || !metadata.Listeners.Contains(listener.Value)))
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}
