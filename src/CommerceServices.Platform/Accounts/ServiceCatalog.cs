namespace CommerceServices.Platform.Accounts;

/// <summary>
/// The id of the one service compiled into the platform. Every service, this one included, is listed by the service
/// registry (<c>Services/ServiceRegistry</c>), which is where operators add theirs.
/// </summary>
public static class ServiceCatalog
{
    public const string Payments = "payments";
}
