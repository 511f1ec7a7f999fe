namespace CommerceServices.Protocol;

/// <summary>
/// The stable <c>code</c> member of every error body (RFC 9457 problem details). Codes never change meaning; the
/// README lists each with its status and what to do about it.
/// </summary>
public static class ProblemCodes
{
    // Gateway: who is calling (DESIGN.md section 4).
    public const string MissingApiKey = "missing_api_key";
    public const string MalformedApiKey = "malformed_api_key";
    public const string UnknownApiKey = "unknown_api_key";
    public const string RevokedApiKey = "revoked_api_key";
    public const string EnvironmentMismatch = "environment_mismatch";
    public const string MissingSignature = "missing_signature";
    public const string MalformedSignature = "malformed_signature";
    public const string UnsupportedAlgorithm = "unsupported_algorithm";
    public const string InvalidSignature = "invalid_signature";
    public const string TokenExpired = "token_expired";
    public const string TokenNotYetValid = "token_not_yet_valid";
    public const string TokenLifetimeTooLong = "token_lifetime_too_long";

    // Registry and services.
    public const string DataSpaceRequired = "data_space_required";
    public const string DataSpaceNotFound = "data_space_not_found";
    public const string DataSpaceBoundElsewhere = "data_space_bound_elsewhere";
    public const string QuotaExceeded = "quota_exceeded";
    public const string NotEntitled = "not_entitled";
    public const string RateLimited = "rate_limited";
    public const string StorageUnavailable = "storage_unavailable";

    // Management API (operator).
    public const string MissingOperatorToken = "missing_operator_token";
    public const string InvalidOperatorToken = "invalid_operator_token";
    public const string AccountNotFound = "account_not_found";
    public const string AccountExists = "account_exists";
    public const string KeyNotFound = "key_not_found";
    public const string InvalidEnvironment = "invalid_environment";
    public const string MalformedPublicKey = "malformed_public_key";
    public const string InvalidGracePeriod = "invalid_grace_period";
    public const string UnknownService = "unknown_service";
    public const string InvalidRequest = "invalid_request";
    public const string NotFound = "not_found";
    public const string ProjectNotFound = "project_not_found";
    public const string DataSpaceExists = "data_space_exists";
    public const string DataSpaceNotEmpty = "data_space_not_empty";

    // First run and everyday use: project names are unique in an account.
    public const string ProjectExists = "project_exists";

    // Correctness and shape: a database error that is not an outage.

    /// <summary>500: the platform failed on an error of its own (a bug), logged with its exception; never a bad input.</summary>
    public const string InternalError = "internal_error";

    // Payment Services.
    public const string PaymentNotFound = "payment_not_found";
    public const string InvalidPaymentState = "invalid_payment_state";
    public const string AmountExceedsRemaining = "amount_exceeds_remaining";
    public const string CardDeclined = "card_declined";
    public const string TestCardInProduction = "test_card_in_production";
    public const string ProcessorNotConfigured = "processor_not_configured";
    public const string ProcessorFailed = "processor_failed";
    public const string DataSpaceTypeMismatch = "data_space_type_mismatch";
    public const string IdempotencyKeyReused = "idempotency_key_reused";
    public const string IdempotencyKeyInProgress = "idempotency_key_in_progress";

    /// <summary>
    /// 503: the call was recorded and may have reached the card processor, but its outcome is not known yet (the
    /// processor did not answer in time, or the outcome could not be stored). Nothing is lost: the platform finds out
    /// and finishes the call. Retry with the same <c>Idempotency-Key</c> to get its final answer; never with a new key.
    /// </summary>
    public const string PaymentPending = "payment_pending";

    // Gateway hardening.
    public const string PublicKeyInUse = "public_key_in_use";
    public const string RequestLineTooLong = "request_line_too_long";

    // Account portal: users, invitations, account tokens.
    public const string InvalidAccountToken = "invalid_account_token";
    public const string OperatorOnly = "operator_only";
    public const string InvalidCredentials = "invalid_credentials";
    public const string SignInLocked = "sign_in_locked";
    public const string WeakPassword = "weak_password";
    public const string InvalidInvitation = "invalid_invitation";
    public const string UserExists = "user_exists";
    public const string SignUpDisabled = "sign_up_disabled";
    public const string TokenNotFound = "token_not_found";

    // Key generation: the node's key generator is busy with other accounts' keys.
    public const string KeyGenerationBusy = "key_generation_busy";

    // Operator console: operator users, their roles and their second factor.
    public const string InvalidRole = "invalid_role";
    public const string OperatorExists = "operator_exists";
    public const string OperatorNotFound = "operator_not_found";
    public const string InvalidTotpCode = "invalid_totp_code";
    public const string OperatorReadOnly = "operator_read_only";

    // Webhooks: endpoints, their secrets, replays.
    public const string WebhookEndpointNotFound = "webhook_endpoint_not_found";
    public const string InvalidWebhookUrl = "invalid_webhook_url";

    /// <summary>400: the URL is one the platform may not send to (plain http in production, or a loopback, private or link-local address).</summary>
    public const string WebhookUrlNotAllowed = "webhook_url_not_allowed";

    public const string InvalidWebhookEvents = "invalid_webhook_events";
    public const string InvalidOverlap = "invalid_overlap";
    public const string InvalidReplayRange = "invalid_replay_range";
    public const string WebhookDeliveryNotFound = "webhook_delivery_not_found";
    public const string WebhookEndpointLimit = "webhook_endpoint_limit";
    public const string WebhookEndpointDisabled = "webhook_endpoint_disabled";
    // Services behind the gateway: forwarding to a registered service, and registering one.

    /// <summary>502: the service's upstream could not be reached (refused, reset, or no upstream answered).</summary>
    public const string ServiceUnavailable = "service_unavailable";

    /// <summary>504: the upstream did not answer within the service's <c>timeoutSeconds</c>.</summary>
    public const string ServiceTimeout = "service_timeout";

    /// <summary>503: the service has as many calls in progress as it may (<c>maxConcurrentRequests</c>); retry shortly.</summary>
    public const string ServiceBusy = "service_busy";

    /// <summary>404: the management API knows no service with this id.</summary>
    public const string ServiceNotFound = "service_not_found";

    /// <summary>409: a service with this id, or one whose path prefix overlaps this one's, is registered.</summary>
    public const string ServiceExists = "service_exists";

    /// <summary>409: the service is built in or defined in configuration; change it there, not through the API.</summary>
    public const string ServiceReadOnly = "service_read_only";

    /// <summary>404: no copy or delete job has this id in this account.</summary>
    public const string JobNotFound = "job_not_found";

    /// <summary>413: the request body is larger than the gateway forwards or the platform accepts.</summary>
    public const string RequestTooLarge = "request_too_large";
}

/// <summary>Status and title of each code, so both sides describe a refusal the same way.</summary>
public static class ProblemCatalog
{
    private static readonly Dictionary<string, (int Status, string Title)> Entries = new(StringComparer.Ordinal)
    {
        [ProblemCodes.MissingApiKey] = (401, "No API key was sent."),
        [ProblemCodes.MalformedApiKey] = (401, "The API key is malformed."),
        [ProblemCodes.UnknownApiKey] = (401, "The API key is not known."),
        [ProblemCodes.RevokedApiKey] = (401, "The API key has been revoked."),
        [ProblemCodes.EnvironmentMismatch] = (401, "The API key belongs to the other environment's gateway."),
        [ProblemCodes.MissingSignature] = (401, "No request signature was sent."),
        [ProblemCodes.MalformedSignature] = (401, "The request signature is not a well-formed JWT."),
        [ProblemCodes.UnsupportedAlgorithm] = (401, "The request signature uses an algorithm other than RS256."),
        [ProblemCodes.InvalidSignature] = (401, "The request signature does not match the API key's public key."),
        [ProblemCodes.TokenExpired] = (401, "The request signature has expired."),
        [ProblemCodes.TokenNotYetValid] = (401, "The request signature is not valid yet."),
        [ProblemCodes.TokenLifetimeTooLong] = (401, "The request signature expires too far in the future."),
        [ProblemCodes.DataSpaceRequired] = (400, "This call needs a data space."),
        [ProblemCodes.DataSpaceNotFound] = (404, "The data space does not exist."),
        [ProblemCodes.DataSpaceBoundElsewhere] = (409, "The data space is bound to another instance."),
        [ProblemCodes.QuotaExceeded] = (409, "The data space quota is used up."),
        [ProblemCodes.NotEntitled] = (403, "The account is not entitled to this service."),
        [ProblemCodes.RateLimited] = (429, "Too many requests."),
        [ProblemCodes.StorageUnavailable] = (503, "Storage is unavailable; try again shortly."),
        [ProblemCodes.MissingOperatorToken] = (401, "No operator token was sent."),
        [ProblemCodes.InvalidOperatorToken] = (401, "The operator token is not valid."),
        [ProblemCodes.AccountNotFound] = (404, "The account does not exist."),
        [ProblemCodes.AccountExists] = (409, "An account with this email already exists."),
        [ProblemCodes.KeyNotFound] = (404, "The API key does not exist for this account."),
        [ProblemCodes.InvalidEnvironment] = (400, "The environment must be 'sandbox' or 'production'."),
        [ProblemCodes.MalformedPublicKey] = (400, "The public key is not a usable RSA public key in PEM."),
        [ProblemCodes.InvalidGracePeriod] = (400, "The grace period is out of range."),
        [ProblemCodes.UnknownService] = (400, "The service is not known."),
        [ProblemCodes.InvalidRequest] = (400, "The request is not valid."),
        [ProblemCodes.NotFound] = (404, "There is nothing at this address."),
        [ProblemCodes.ProjectNotFound] = (404, "The project does not exist."),
        [ProblemCodes.DataSpaceExists] = (409, "A data space with this name exists in the project."),
        [ProblemCodes.DataSpaceNotEmpty] = (409, "The data space holds data or is bound to an instance."),

        // First run and everyday use.
        [ProblemCodes.ProjectExists] = (409, "The account has a project with this name."),

        // Correctness and shape.
        [ProblemCodes.InternalError] = (500, "The platform failed on an internal error."),

        // Payment Services.
        [ProblemCodes.PaymentNotFound] = (404, "The payment does not exist in this data space."),
        [ProblemCodes.InvalidPaymentState] = (409, "The payment's state does not allow this."),
        [ProblemCodes.AmountExceedsRemaining] = (409, "The amount is more than what is left on the payment."),
        [ProblemCodes.CardDeclined] = (402, "The card was declined."),
        [ProblemCodes.TestCardInProduction] = (400, "A sandbox test card was sent to the production gateway."),
        [ProblemCodes.ProcessorNotConfigured] = (503, "No card processor is configured for production payments."),
        [ProblemCodes.ProcessorFailed] = (502, "The card processor did not complete the operation."),
        [ProblemCodes.DataSpaceTypeMismatch] = (409, "The data space's type does not match the gateway's environment."),
        [ProblemCodes.IdempotencyKeyReused] = (422, "The idempotency key was used with a different request."),
        [ProblemCodes.IdempotencyKeyInProgress] = (409, "A request with this idempotency key is still in progress."),
        [ProblemCodes.PaymentPending] = (503, "The payment's outcome is not known yet; retry with the same idempotency key."),

        // Gateway hardening.
        [ProblemCodes.PublicKeyInUse] = (409, "This public key is already registered for a key pair."),
        [ProblemCodes.RequestLineTooLong] = (414, "The request URL is too long."),

        // Account portal.
        [ProblemCodes.InvalidAccountToken] = (401, "The account token is not valid or has been revoked."),
        [ProblemCodes.OperatorOnly] = (403, "Only the operator may make this call."),
        [ProblemCodes.InvalidCredentials] = (401, "The email or password is not right."),
        [ProblemCodes.SignInLocked] = (429, "Sign-in is locked for a while after repeated failures."),
        [ProblemCodes.WeakPassword] = (400, "The password is too short, too common, or the email or account name."),
        [ProblemCodes.InvalidInvitation] = (410, "The invitation link is not valid any more."),
        [ProblemCodes.UserExists] = (409, "A user with this email already exists."),
        [ProblemCodes.SignUpDisabled] = (403, "Sign-up is turned off on this platform."),
        [ProblemCodes.TokenNotFound] = (404, "The account token does not exist."),

        // Key generation.
        [ProblemCodes.KeyGenerationBusy] = (503, "The platform is busy making other key pairs; try again shortly."),

        // Operator console.
        [ProblemCodes.InvalidRole] = (400, "The operator role must be 'admin' or 'support'."),
        [ProblemCodes.OperatorExists] = (409, "An operator with this email already exists."),
        [ProblemCodes.OperatorNotFound] = (404, "The operator does not exist."),
        [ProblemCodes.InvalidTotpCode] = (401, "The authenticator code or recovery code is not right."),
        [ProblemCodes.OperatorReadOnly] = (403, "A support operator can read everything and change nothing."),

        // Webhooks.
        [ProblemCodes.WebhookEndpointNotFound] = (404, "The webhook endpoint does not exist."),
        [ProblemCodes.InvalidWebhookUrl] = (400, "The webhook URL is not valid."),
        [ProblemCodes.WebhookUrlNotAllowed] = (400, "The platform may not send webhooks to this URL."),
        [ProblemCodes.InvalidWebhookEvents] = (400, "The event types are not valid."),
        [ProblemCodes.InvalidOverlap] = (400, "The overlap of the old secret is out of range."),
        [ProblemCodes.InvalidReplayRange] = (400, "The replay range is not valid."),
        [ProblemCodes.WebhookDeliveryNotFound] = (404, "The delivery does not exist for this endpoint."),
        [ProblemCodes.WebhookEndpointLimit] = (409, "The account has as many webhook endpoints as it may."),
        [ProblemCodes.WebhookEndpointDisabled] = (409, "The webhook endpoint is disabled."),
        // Services behind the gateway.
        [ProblemCodes.ServiceUnavailable] = (502, "The service behind the gateway could not be reached."),
        [ProblemCodes.ServiceTimeout] = (504, "The service behind the gateway did not answer in time."),
        [ProblemCodes.ServiceBusy] = (503, "The service has too many calls in progress; try again shortly."),
        [ProblemCodes.ServiceNotFound] = (404, "There is no service with this id."),
        [ProblemCodes.ServiceExists] = (409, "A service with this id or path prefix is registered."),
        [ProblemCodes.ServiceReadOnly] = (409, "This service is built in or defined in configuration."),
        [ProblemCodes.JobNotFound] = (404, "There is no such copy or delete job."),
        [ProblemCodes.RequestTooLarge] = (413, "The request body is too large."),
    };

    public static IReadOnlyCollection<string> Codes => Entries.Keys;

    public static int StatusOf(string code) => Entries.TryGetValue(code, out var e) ? e.Status : 400;

    public static string TitleOf(string code) => Entries.TryGetValue(code, out var e) ? e.Title : "The request was refused.";
}
