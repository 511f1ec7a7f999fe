using CommerceServices.Platform.Hosting;
using CommerceServices.Platform.Hosting.FirstRun;

if (PlatformUsage.IsHelp(args))
{
    PlatformUsage.Write(Console.Out, args);
    return 0;
}

var app = PlatformApplication.Build(args);
await app.InitializePlatformAsync();
await app.RunAsync();
return 0;
