using CommerceServices.Platform.Hosting.FirstRun;

if (PlatformUsage.IsHelp(args))
{
    PlatformUsage.Write(Console.Out, args);
    return 0;
}

return await PlatformStart.RunAsync(args);
