using CommerceServices.Protocol;
using Microsoft.Extensions.Logging;

namespace CommerceServices.Connector.Configuration;

/// <summary>Writes settings to the store and logs it; shared by configuration and key registration.</summary>
internal sealed partial class SettingsSaver(ConnectorState state, ILogger logger)
{
    /// <summary>Saves; a store that cannot be written throws <see cref="ConnectorStoreException"/>, handled by the façade.</summary>
    public ConfigureResult Save(ConnectorSettings next, string message)
    {
        state.Save(next);
        LogSaved(logger, state.Store.Directory, state.EnvironmentOf(next).ToName(), next.DataSpaceId);
        return new ConfigureResult { Message = message, Settings = next };
    }

    [LoggerMessage(EventId = ConnectorLogEvents.Saved, Level = LogLevel.Information,
        Message = "Connector settings saved in {Directory}: {Environment}, data space {DataSpaceId}")]
    private static partial void LogSaved(ILogger logger, string directory, string environment, string? dataSpaceId);
}
