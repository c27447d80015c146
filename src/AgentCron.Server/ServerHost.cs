using AgentCron.Core;
using AgentCron.Server.Hosting;

namespace AgentCron.Server;

/// <summary><c>agentcron serve</c>: start the daemon, say where it is, run until SIGINT/SIGTERM, stop gracefully.</summary>
public static class ServerHost
{
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

        await using (app)
        {
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException ex)
            {
                await Console.Error.WriteLineAsync($"agentcron: cannot listen: {ex.Message} (another daemon already running? choose another address with --urls)");
                return 1;
            }

            var url = app.Address.ToString().TrimEnd('/');
            Console.WriteLine($"AgentCron is running (store {StoreFactory.Describe(app.Store)}).");
            Console.WriteLine($"  API:     {url}/api   (OpenAPI: {url}/openapi/v1.json)");
            Console.WriteLine($"  UI:      {url}/   (a start page for now; the full web UI is a later milestone)");
            Console.WriteLine($"  Token:   {AgentCronPaths.TokenFile(app.Home)}");
            Console.WriteLine($"  Sandbox: {app.Sandbox.Note}");
            Console.WriteLine($"  Try:     AGENTCRON_URL={url} AGENTCRON_HOME={app.Home} agentcron task list");
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
}
