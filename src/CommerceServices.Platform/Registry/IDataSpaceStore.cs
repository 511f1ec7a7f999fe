using CommerceServices.Protocol.Services;

namespace CommerceServices.Platform.Registry;

/// <summary>
/// The data space lifecycle contract (<see cref="LifecyclePaths"/>) for a service inside the platform: what it keeps in
/// data spaces, so that holdings, copy (R18) and delete cover it as they cover services with a <c>lifecycleUrl</c>,
/// without the registry knowing any service. Each call runs in a scope of its own and keeps its own transaction.
/// </summary>
public interface IDataSpaceStore
{
    /// <summary>The service id, as in the service registry.</summary>
    string Service { get; }

    /// <summary>What the data space holds, in the service's own words ("1 payment, 1 declined attempt").</summary>
    Task<LifecycleHoldings> HoldingsAsync(string dataSpaceId, CancellationToken cancellationToken);

    /// <summary>
    /// Adds to <paramref name="toDataSpaceId"/> copies of what <paramref name="fromDataSpaceId"/> holds and the target does
    /// not, and returns how many items it added. Idempotent: each copy remembers its origin (the first original, however
    /// often it was carried on), and an origin the target already holds, as a copy or as the original itself, is skipped;
    /// so copying the same source again, or carrying data back and forth, never duplicates an item (the second copy adds 0).
    /// What the target holds is never changed.
    /// </summary>
    Task<int> CopyAsync(string fromDataSpaceId, string toDataSpaceId, CancellationToken cancellationToken);

    /// <summary>Deletes what the data space holds; idempotent (a second delete deletes 0).</summary>
    Task<int> DeleteAsync(string dataSpaceId, CancellationToken cancellationToken);
}
