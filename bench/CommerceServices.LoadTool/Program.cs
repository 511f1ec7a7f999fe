using System.CommandLine;
using CommerceServices.LoadTool.Commands;

var root = new RootCommand("Benchmark helper for bench/*.sh: makes tokens and keys, drives .NET clients against a running platform.");
root.Subcommands.Add(TokensCommand.Build());
root.Subcommands.Add(ClientsCommand.Build());
root.Subcommands.Add(PaymentsCommand.Build());
root.Subcommands.Add(SeedKeysCommand.Build());
root.Subcommands.Add(CallEachKeyCommand.Build());
root.Subcommands.Add(SeedAuditCommand.Build());
root.Subcommands.Add(WebhookReceiverCommand.Build());
root.Subcommands.Add(UpstreamCommand.Build());
return await root.Parse(args).InvokeAsync();
