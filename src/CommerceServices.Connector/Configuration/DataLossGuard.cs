using CommerceServices.Protocol.Registry;

namespace CommerceServices.Connector.Configuration;

/// <summary>
/// R12: a production instance is not moved off the data space that holds its data without a choice. The refusal says
/// what the old data space holds and how to choose: carry the data over (R18) or discard it.
/// </summary>
internal sealed class DataLossGuard(RegistryClient registry)
{
    public async Task<ConfigureResult> RefuseAsync(GatewayTarget? oldTarget, string oldDataSpace, string newDataSpace, bool withNewKeys,
        string storeDirectory, CancellationToken ct)
    {
        var what = $"data space {oldDataSpace}";
        IReadOnlyList<Holding> holdings = [];
        string held;
        var details = oldTarget is null ? default : await registry.GetDataSpaceAsync(oldTarget, oldDataSpace, ct);
        if (details.Value is { } dataSpace)
        {
            what = $"data space '{dataSpace.Name}' ({dataSpace.Id})";
            // Every service's holdings, a service that did not answer among them (it may hold data: never read as empty).
            holdings = dataSpace.Holdings.Where(h => h.MayHoldData).ToList();
            held = holdings.Count > 0
                ? $"which holds {Holding.DescribeAll(holdings)}"
                : "which holds no data the platform knows of";
        }
        else
        {
            held = details.Failure is { } f
                ? $"whose contents could not be read ({f.Code}: {f.Message}), so it may hold data"
                : "whose contents could not be read, so it may hold data";
        }

        var move = $"commerce-services connector use-data-space --store {storeDirectory} --data-space {newDataSpace}";
        return new ConfigureResult
        {
            Code = ConnectorCodes.DataLossConfirmationRequired,
            Message = $"This production instance is bound to {what}, {held}. Moving it{(withNewKeys ? " with new keys" : "")} to data space " +
                      $"{newDataSpace} would leave that data behind. Nothing was changed. To copy the data into the new data space first, " +
                      $"choose carry-over (`{move} --carry-over`); to move without it, choose discard (`{move} --discard`). " +
                      "On the connector's admin page, the same two choices appear when you save the new data space.",
            WouldLose = holdings,
        };
    }
}
