using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CommerceServices.LoadTool.Commands;

/// <summary>
/// <c>loadtool upstream --port N</c>: the trivial upstream of bench/proxy.sh, a Kestrel app that answers 200 "ok" to any
/// request and does nothing else (it does not even check the gateway's token), so that forwarded and direct calls differ
/// only by the gateway. Runs until stopped.
/// </summary>
internal static class UpstreamCommand
{
    public static Command Build()
    {
        var port = new Option<int>("--port") { Required = true, Description = "The loopback port to listen on." };
        var command = new Command("upstream", "Run a trivial HTTP upstream (200 \"ok\" to anything) for the proxy benchmark.") { port };
        command.SetAction(async (parse, ct) =>
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{parse.GetValue(port)}");
            builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
            builder.Logging.ClearProviders();
            var app = builder.Build();
            app.Run(static context => context.Response.WriteAsync("ok"));
            await app.StartAsync(ct);
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }
}
