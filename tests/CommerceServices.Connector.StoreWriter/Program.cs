using CommerceServices.Connector;

// Usage: StoreWriter <store folder> <private key PEM file>. Saves version 1, 2, 3, … until killed. Every version is complete in itself: project "project-N", data space "data-space-N", and the same keys.
var store = new ConnectorSettingsStore(args[0]);
var pem = File.ReadAllText(args[1]);
var settings = store.Load();
var padding = new string('x', 64 * 1024); // A bigger file: a kill is more likely to land in the middle of a write.
for (var version = 1; ; version++)
{
    store.Save(settings with
    {
        ProjectId = $"project-{version}",
        DataSpaceId = $"data-space-{version}-{padding}",
        Sandbox = new EnvironmentKeys($"version-{version}", pem),
    });
}
