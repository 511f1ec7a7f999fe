using CommerceServices.Platform.Registry;

namespace CommerceServices.Platform.Payments;

public static class PaymentsExtensions
{
    /// <summary>
    /// Payment Services: its application service, the sandbox's processor, and its data in the registry's holdings, copy
    /// and delete. A production processor is the operator's: register an <see cref="IPaymentProcessor"/>.
    /// </summary>
    public static IServiceCollection AddPaymentServices(this IServiceCollection services)
    {
        services.AddScoped<PaymentService>();
        services.AddSingleton<SandboxProcessor>();
        services.AddScoped<IDataSpaceStore, PaymentsDataStore>();
        return services;
    }
}
