namespace CommerceServices.Platform.Accounts;

/// <summary>
/// Tells the caches of this node (the gateway's key directory and validated tokens) that a key was revoked,
/// replaced or rolled, so the change takes effect here at once. On PostgreSQL, changes made here are also passed on
/// to the other nodes and changes made there come in through <see cref="Receive"/> (Scaling/PostgresKeyChanges).
/// </summary>
public sealed class KeyChangeFeed
{
    /// <summary>A key changed (here or on another node): forget what is cached of it.</summary>
    public event Action<string>? KeyChanged;

    /// <summary>Changes may have been missed (the node lost its notification connection): forget every cached key.</summary>
    public event Action? AllKeysChanged;

    /// <summary>A change committed on this node, to pass on to the other nodes.</summary>
    public event Action<string>? Published;

    /// <summary>Call after the change is committed.</summary>
    public void Publish(string apiKey)
    {
        KeyChanged?.Invoke(apiKey);
        Published?.Invoke(apiKey);
    }

    /// <summary>A change made on another node.</summary>
    public void Receive(string apiKey) => KeyChanged?.Invoke(apiKey);

    /// <summary>Changes may have been missed.</summary>
    public void ReceiveUnknownChanges() => AllKeysChanged?.Invoke();
}
