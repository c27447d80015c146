using AgentCron.Core;
using AgentCron.Server.Hosting;

namespace AgentCron.Server;

/// <summary><c>agentcron serve</c>: start the daemon, say where it is, run until SIGINT/SIGTERM, stop gracefully.</summary>
public static class ServerHost
{
    /// <summary>The command that runs this CLI, when it is not <c>agentcron</c> on the PATH: agentcron.sh sets it to itself.</summary>
    public const string CliVariable = "AGENTCRON_CLI";

    public static async Task<int> RunAsync(ServeOptions options, CancellationToken cancellationToken)
    {
        AgentCronApp app;
        try
        {
            app = AgentCronApp.Create(options);
        }
        catch (InvalidFieldException ex)
        {
            await Console.Error.WriteLineAsync($"agentcron: {ex.Message}");
            return 2;
        }
        catch (StartupCheckException ex)
        {
            await Console.Error.WriteLineAsync($"agentcron: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The data directory cannot be created or its mode set, say; the runtime's message names the path.
            await Console.Error.WriteLineAsync($"agentcron: {ex.Message}");
            return 1;
        }

        await using (app)
        {
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (StartupCheckException ex)
            {
                await Console.Error.WriteLineAsync($"agentcron: {ex.Message}");
                return 1;
            }
            catch (IOException ex)
            {
                await Console.Error.WriteLineAsync($"agentcron: cannot listen: {ex.Message} (another daemon already running? choose another address with --urls)");
                return 1;
            }

            Console.Write(Banner(app, Environment.GetEnvironmentVariable(CliVariable)));
            if (RemoteWarning(app.Addresses) is { } warning)
            {
                await Console.Error.WriteLineAsync(warning);
            }

            // On SIGTERM/Ctrl-C the engine stops taking work at once, while the web server finishes its requests.
            Task? engineStopped = null;
            using (app.Web.Lifetime.ApplicationStopping.Register(() => engineStopped = app.Scheduler.StopAsync(CancellationToken.None)))
            {
                await app.Web.WaitForShutdownAsync(cancellationToken);
            }

            await (engineStopped ?? app.Scheduler.StopAsync(CancellationToken.None));
        }

        return 0;
    }

    /// <summary>
    /// What <c>serve</c> prints once it listens: every address as bound, the API, the token file, and a command to try
    /// that works where the daemon was started (<paramref name="cli"/>, else <c>agentcron</c>).
    /// </summary>
    public static string Banner(AgentCronApp app, string? cli)
    {
        ArgumentNullException.ThrowIfNull(app);
        var url = app.Address.ToString().TrimEnd('/');
        return $"""
            AgentCron is running (store {StoreFactory.Describe(app.Store)}).
              Listening: {string.Join(", ", app.Addresses)}
              API:       {url}/api   (OpenAPI: {url}/openapi/v1.json)
              UI:        {app.Services.GetRequiredService<Ui.UiSessions>().NewLink(app.Address)}   (signs this browser in, once, within 15 minutes; 'agentcron ui' prints a new one)
              Token:     {AgentCronPaths.TokenFile(app.Home)}
              Sandbox:   {app.Sandbox.Note}
              Try:       AGENTCRON_URL={url} AGENTCRON_HOME={app.Home} {(string.IsNullOrWhiteSpace(cli) ? "agentcron" : cli)} task list

            """;
    }

    /// <summary>The warning for addresses beyond loopback (bound only with <c>--allow-remote</c>), or null when there are none.</summary>
    public static string? RemoteWarning(IEnumerable<string> addresses)
    {
        var remote = addresses.Where(a => !ListenAddresses.IsLocal(a)).ToList();
        return remote.Count == 0
            ? null
            : $"agentcron: warning: listening beyond this machine on {string.Join(", ", remote)} ({ListenAddresses.AllowRemoteFlag}). "
                + "Every API call still needs the token, but the traffic is plain HTTP: the token, prompts and output cross the network readable. "
                + "Put a TLS proxy or an SSH tunnel in front, or listen on 127.0.0.1.";
    }
}
