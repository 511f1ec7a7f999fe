namespace CommerceServices.Platform.Hosting.Operator;

public static class OperatorTokenDefaults
{
    public const string AuthenticationScheme = "OperatorToken";
    public const string PolicyName = "Operator";

    /// <summary>The actor recorded in the audit log for calls made with the operator token.</summary>
    public const string ActorName = "operator";
}
