namespace CommerceServices.Platform.Accounts.KeyGeneration;

/// <summary>
/// A key pair the platform made: the public key to register, its fingerprint, and the private key to hand out once.
/// Not a record, so no generated <c>ToString</c> ever prints the private key into a log.
/// </summary>
public sealed class GeneratedKeyPair(string publicKeyPem, string privateKeyPem, string fingerprint)
{
    public string PublicKeyPem { get; } = publicKeyPem;

    public string PrivateKeyPem { get; } = privateKeyPem;

    public string Fingerprint { get; } = fingerprint;

    public override string ToString() => $"RSA key pair {Fingerprint}";
}
