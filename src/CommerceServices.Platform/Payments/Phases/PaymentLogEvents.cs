namespace CommerceServices.Platform.Payments;

/// <summary>Event ids of Payment Services' log messages, one per message and stable. Payments 2000–2099.</summary>
internal static class PaymentLogEvents
{
    public const int ProcessorUnknown = 2000;
    public const int OutcomeNotRecorded = 2001;
    public const int Recovered = 2002;
    public const int RecoveryFailed = 2003;
    public const int KeysReaped = 2004;
    public const int RecoveryOfOperationFailed = 2005;
}
