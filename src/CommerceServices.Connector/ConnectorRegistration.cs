using Microsoft.Extensions.DependencyInjection;

namespace CommerceServices.Connector;

/// <summary>
/// What the <c>Add…CommerceServices…</c> methods have already registered in a service collection, so that calling
/// one twice (an app and a library of it both asking for the payments client, say) registers nothing twice: a second
/// signing handler on a client would sign every request twice and multiply its retries (4 attempts became 16).
/// Kept in the collection itself, as the framework's own marker services are.
/// </summary>
internal sealed class ConnectorRegistration
{
    /// <summary>The configurations whose <c>CommerceServices</c> section is bound to the options.</summary>
    public List<Microsoft.Extensions.Configuration.IConfiguration> BoundConfigurations { get; } = [];

    public static ConnectorRegistration? Find(IServiceCollection services) =>
        services.FirstOrDefault(d => d.ServiceType == typeof(ConnectorRegistration) && !d.IsKeyedService)?.ImplementationInstance as ConnectorRegistration;

    /// <summary>
    /// True the first time it is asked for <typeparamref name="T"/> (and <paramref name="name"/>) in
    /// <paramref name="services"/>, which then remembers it; false ever after.
    /// </summary>
    public static bool Once<T>(IServiceCollection services, string name = "")
    {
        var key = $"{typeof(T).FullName}/{name}";
        if (services.Any(d => d.ServiceType == typeof(Done) && d.IsKeyedService && Equals(d.ServiceKey, key)))
        {
            return false;
        }

        services.AddKeyedSingleton(key, new Done());
        return true;
    }

    /// <summary>The marker of one registration done.</summary>
    internal sealed class Done;
}
