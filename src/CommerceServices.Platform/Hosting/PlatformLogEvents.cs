namespace CommerceServices.Platform.Hosting;

/// <summary>
/// Event ids of the platform's log messages outside the gateway, one per message and stable, so a log pipeline can
/// alert on an id rather than on wording. Hosting 1000–1099.
/// </summary>
internal static class PlatformLogEvents
{
    public const int Ready = 1000;
    public const int StorageUnavailable = 1001;
    public const int DatabaseError = 1002;
    public const int OperatorTokenGenerated = 1010;
    public const int OperatorTokenFromFile = 1011;
    public const int ExpectedConflict = 1020;
    public const int DatabaseCommandFailed = 1021;
    public const int KeyGenerationFailed = 1030;
}
