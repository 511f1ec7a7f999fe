using System.Collections.Concurrent;
using System.CommandLine;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CommerceServices.LoadTool.Commands;

/// <summary>
/// <c>loadtool webhook-receiver --port N</c>: a receiver that answers 204 at once to any POST and counts what came
/// (requests, distinct <c>webhook-id</c>s, first and last arrival); <c>GET /_stats</c> tells. What bench/webhooks.sh
/// delivers to: it measures the platform's sending, not a receiver's work.
/// </summary>
internal static class WebhookReceiverCommand
{
    public static Command Build()
    {
        var port = new Option<int>("--port") { Required = true, Description = "The loopback port to listen on." };
        var command = new Command("webhook-receiver", "Answer webhook deliveries at once and count them (GET /_stats).") { port };
        command.SetAction(async (parse, ct) =>
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, parse.GetValue(port)));
            var app = builder.Build();
            var ids = new ConcurrentDictionary<string, byte>();
            long requests = 0, first = 0, last = 0;
            app.MapPost("/{**path}", (HttpContext http) =>
            {
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                Interlocked.CompareExchange(ref first, now, 0);
                Interlocked.Exchange(ref last, now);
                Interlocked.Increment(ref requests);
                ids.TryAdd(http.Request.Headers["webhook-id"].ToString(), 0);
                return Results.NoContent();
            });
            app.MapGet("/_stats", () => Results.Text(
                $$"""{"requests":{{Interlocked.Read(ref requests)}},"distinct":{{ids.Count}},"firstAt":{{Interlocked.Read(ref first)}},"lastAt":{{Interlocked.Read(ref last)}}}""",
                "application/json"));
            await app.StartAsync(ct);
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }
}
