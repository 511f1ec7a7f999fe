namespace CommerceServices.Platform.Registry;

/// <summary>
/// What a service keeps in data spaces. Every service that stores data registers one, so that "holds data", copy
/// (R18) and delete cover all of them without the registry knowing any service.
/// </summary>
public interface IDataSpaceStore
{
    /// <summary>The service id, as in <see cref="Accounts.ServiceCatalog"/>.</summary>
    string Service { get; }

    /// <summary>A word for what is counted, for messages: "payments".</summary>
    string ItemsName { get; }

    Task<int> CountAsync(string dataSpaceId, CancellationToken cancellationToken);

    /// <summary>
    /// Adds to <paramref name="toDataSpaceId"/> copies of what <paramref name="fromDataSpaceId"/> holds and the target does
    /// not, and returns how many items it added. Idempotent: each copy remembers its origin (the first original, however
    /// often it was carried on), and an origin the target already holds, as a copy or as the original itself, is skipped;
    /// so copying the same source again, or carrying data back and forth, never duplicates an item (the second copy adds 0).
    /// What the target holds is never changed. Runs inside the caller's transaction on the same context.
    /// </summary>
    Task<int> CopyAsync(string fromDataSpaceId, string toDataSpaceId, CancellationToken cancellationToken);

    Task<int> DeleteAsync(string dataSpaceId, CancellationToken cancellationToken);
}

public sealed record Holding(string Service, int Items);
