using CommerceServices.Platform.Registry;

namespace CommerceServices.Platform.Payments;

public static class PaymentsExtensions
{
    /// <summary>
    /// Payment Services: its application service and the phases of its calls, the sandbox's processor, the recovery
    /// worker, and its data in the registry's holdings, copy and delete. A production processor is the operator's:
    /// register an <see cref="IPaymentProcessor"/>.
    /// </summary>
    public static IServiceCollection AddPaymentServices(this IServiceCollection services)
    {
        services.AddOptions<PaymentsOptions>().BindConfiguration(PaymentsOptions.Section).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<PaymentsOptions>, PaymentsOptionsValidator>();
        services.AddSingleton<Data.SqliteWriteGate>();
        services.AddSingleton<FaultInjection>();
        services.AddScoped<PaymentService>();
        services.AddScoped<OutcomeRecorder>();
        services.AddSingleton<ForeignStateMutation>();
        services.AddSingleton<PaymentCompletion>();
        services.AddSingleton<SandboxProcessor>();
        services.AddHostedService<PaymentCompleter>();
        services.AddScoped<IDataSpaceStore, PaymentsDataStore>();
        return services;
    }
}
