namespace CommerceServices.Platform.Accounts;

/// <summary>
/// One event of the audit log (R22): who did what, when, to what. Events about the platform itself rather than an
/// account (operators signing in, being invited) carry <see cref="AuditLog.PlatformAccountId"/>.
/// </summary>
public sealed class AuditEvent
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    /// <summary>One of <see cref="AuditActions"/>.</summary>
    public required string Action { get; init; }

    public required string Actor { get; init; }

    public DateTimeOffset At { get; init; }

    public string? ApiKey { get; init; }

    public string? Detail { get; init; }

    /// <summary>
    /// What the event is about, for searching the log by object: the API key, data space, token, service or email it
    /// concerns (<see cref="AuditLog.SubjectOf"/>), or null when it names none.
    /// </summary>
    public string? Subject { get; init; }
}

public static class AuditActions
{
    public const string AccountCreated = "account.created";
    public const string EntitlementGranted = "entitlement.granted";
    public const string EntitlementRevoked = "entitlement.revoked";
    public const string KeyCreated = "key.created";
    public const string KeyUploaded = "key.uploaded";
    public const string KeyRolled = "key.rolled";
    public const string KeyRevoked = "key.revoked";
    public const string DataSpaceCreated = "data_space.created";
    public const string DataSpaceRenamed = "data_space.renamed";
    public const string DataSpaceDeleted = "data_space.deleted";
    public const string DataSpaceBound = "data_space.bound";
    public const string DataSpaceReleased = "data_space.released";
    public const string DataSpaceCopied = "data_space.copied";
    public const string DataSpaceCloudIdRecorded = "data_space.cloud_id_recorded";
    // Services behind the gateway, recorded under the platform's own account (AuditLog.PlatformAccountId).
    public const string ServiceRegistered = "service.registered";
    public const string ServiceChanged = "service.changed";
    public const string ServiceRemoved = "service.removed";
    public const string ProjectRenamed = "project.renamed";
    public const string WebhookEndpointCreated = "webhook_endpoint.created";
    public const string WebhookEndpointUpdated = "webhook_endpoint.updated";
    public const string WebhookEndpointDeleted = "webhook_endpoint.deleted";
    public const string WebhookSecretRolled = "webhook_endpoint.secret_rolled";

    /// <summary>The platform turned an endpoint off: it answered 410, or failed for days (the portal shows a banner too).</summary>
    public const string WebhookEndpointDisabled = "webhook_endpoint.disabled";
}
