using CommerceServices.Platform.Hosting;

var app = PlatformApplication.Build(args);
await app.InitializePlatformAsync();
await app.RunAsync();
