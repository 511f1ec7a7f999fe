namespace CommerceServices.Platform.Events;

public static class EventsExtensions
{
    /// <summary>The event outbox, which capabilities use to record what happened in the transaction of the change.</summary>
    public static IServiceCollection AddEventOutbox(this IServiceCollection services) => services.AddScoped<EventOutbox>();
}
