using System.CommandLine;
using AgentCron.Server;
using AgentCron.Server.Hosting;

namespace AgentCron.Cli.Commands;

/// <summary><c>agentcron serve</c>: runs the daemon in this process until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var home = new Option<string>("--home") { Description = "Data directory: database, token, logs (default: AGENTCRON_HOME or ~/.local/share/agentcron)", HelpName = "DIR" };
        var db = new Option<string>("--db") { Description = "Store: sqlite:PATH (default: sqlite in the data directory) or postgres:CONNSTRING (several daemons on one database; also Db in config.yaml or AGENTCRON__DB)", HelpName = "STORE" };
        var urls = new Option<string>("--urls") { Description = "Where to listen, ';' between several (default: http://127.0.0.1:7433; also Urls in config.yaml, AGENTCRON__URLS, ASPNETCORE_URLS)", HelpName = "URL" };
        var allowRemote = new Option<bool>(ListenAddresses.AllowRemoteFlag)
        {
            Description = "Allow an address beyond loopback (0.0.0.0, [::], a LAN address, a host name); without it such an address stops the start. The API is plain HTTP: put TLS in front",
        };
        var config = new Option<string>("--config") { Description = "Configuration file (default: config.yaml in the data directory)", HelpName = "FILE" };
        var command = new Command("serve", "Run the daemon: scheduler, agents and HTTP API") { home, db, urls, allowRemote, config };
        command.SetBody(context, (parse, cancellationToken) => ServerHost.RunAsync(
            new ServeOptions(parse.GetValue(home), parse.GetValue(db), parse.GetValue(urls), parse.GetValue(config), parse.GetValue(allowRemote)),
            cancellationToken));
        return command;
    }
}
