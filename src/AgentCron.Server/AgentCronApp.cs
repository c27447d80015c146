using AgentCron.Core;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Processes;
using AgentCron.Core.Tasks;
using AgentCron.Core.Time;
using AgentCron.Server.Api;
using AgentCron.Server.Hosting;
using AgentCron.Server.Ui;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AgentCron.Server;

/// <summary>
/// The daemon: the HTTP API and the engine over one store. <see cref="StartAsync"/> migrates the store, starts listening,
/// then starts the engine (so agents are told the address actually bound); <see cref="StopAsync"/> stops the engine
/// first (no new work, running agents drained) and the web server last.
/// </summary>
public sealed class AgentCronApp : IAsyncDisposable
{
    private AgentCronApp(WebApplication web, string home, string token)
    {
        Web = web;
        Home = home;
        Token = token;
    }

    public WebApplication Web { get; }
    public string Home { get; }
    public string Token { get; }
    public IServiceProvider Services => Web.Services;

    /// <summary>The address clients on this machine use, once started: a loopback one if the server listens on several.</summary>
    public Uri Address { get; private set; } = new(AgentCronPaths.DefaultUrl);

    /// <summary>Every address the server listens on, as bound (<c>http://0.0.0.0:7433</c> stays as it is), once started.</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    public static AgentCronApp Create(ServeOptions options, TimeProvider? time = null, Action<IServiceCollection>? configure = null)
    {
        time ??= TimeProvider.System;
        var home = AgentCronPaths.Home(options.Home);
        Directory.CreateDirectory(home);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var token = TokenFile.LoadOrCreate(AgentCronPaths.TokenFile(home));
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = home });
        var configFile = options.Config ?? Path.Combine(home, "config.yaml");
        var yaml = File.Exists(configFile)
            ? YamlConfiguration.Load(configFile)
            : options.Config is null ? null : throw new InvalidFieldException("config", $"'{configFile}' does not exist");
        if (yaml is not null)
        {
            builder.Configuration.AddInMemoryCollection(yaml.Values);
        }

        builder.Configuration.AddEnvironmentVariables("AGENTCRON__");
        var urls = ListenAddresses.Configured(options, builder.Configuration, yaml);
        ListenAddresses.Check(urls, options.AllowRemote);
        builder.WebHost.UseUrls(string.Join(';', urls.Select(u => u.Url)));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Logging.AddFilter("ModelContextProtocol", LogLevel.Warning);

        var config = builder.Configuration;
        var engine = Settings.Bind<SchedulerOptions>(config, "Engine", yaml);
        Settings.Check(engine, yaml);
        var zone = Settings.Located(yaml, "Defaults:TimeZone", () => TimeZones.Resolve(config["Defaults:TimeZone"], TimeZoneInfo.Local, "Defaults:TimeZone"));
        var services = builder.Services;
        services.AddSingleton(time);
        services.AddSingleton(engine);
        var followUps = Settings.Bind<FollowUpOptions>(config, "FollowUps", yaml);
        services.AddSingleton(new TaskDefaults(zone, new TaskPolicies(), followUps.MaxPerRun));
        var runTokens = new Core.Security.RunTokens(System.Text.Encoding.UTF8.GetBytes(TokenFile.LoadOrCreate(Path.Combine(home, "run-token.key"))));
        services.AddSingleton(runTokens);
        var sandboxing = Settings.Bind<SandboxOptions>(config, "Sandbox", yaml);
        var workRoot = Settings.Located(yaml, "Sandbox:WorkRoot", () => sandboxing.WorkRootFor(home));
        // --db wins; else the configuration's Db (config.yaml or AGENTCRON__DB), which keeps a password off the command line.
        var store = StoreFactory.Open(options.Db ?? config["Db"], home, time);
        services.AddSingleton(store);
        AgentRunners.Add(services, config, yaml, home);
        services.AddSingleton(sp => new RunnerRegistry(sp.GetServices<IAgentRunner>(), config["Defaults:Agent"] ?? "command"));
        var deliveries = DeliverySettings.Load(config, yaml, DeliverySettings.NewHttpClient(), time);
        services.AddSingleton(deliveries.Policy);
        var sandbox = sandboxing.SandboxFor(home, configFile, store, deliveries);
        services.AddSingleton(sandbox);
        services.AddSingleton(sp => new RunEnvironment(ListeningAddress(sp).ToString().TrimEnd('/'), workRoot, sandbox, runTokens, followUps.MaxPerRun));
        services.AddSingleton<Scheduler>();
        services.AddSingleton<IEngine>(sp => sp.GetRequiredService<Scheduler>());
        services.AddSingleton<TaskService>();
        services.AddSingleton<DeliveryService>();
        services.AddSingleton<Ui.UiSessions>();
        services.AddRazorComponents();
        services.AddAntiforgery(o => o.Cookie.SameSite = SameSiteMode.Strict);
        services.AddSingleton(new ApiToken(token));
        services.AddProblemDetails();
        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "AgentCron API";
            document.Info.Description = "Schedule one-time and recurring tasks for AI agents; read their runs and logs. Every route but /api/health needs 'Authorization: Bearer TOKEN' (the token is in $AGENTCRON_HOME/token).";
            return Task.CompletedTask;
        }));
        services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));
        configure?.Invoke(services);

        var web = builder.Build();
        web.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = Problems.HandleAsync, StatusCodeSelector = Problems.StatusOf });
        web.UseStatusCodePages(Problems.StatusCodePageAsync);
        web.UseUiSessions();
        web.UseAntiforgery();
        web.MapAgentCronApi();
        web.MapAgentCronUi();
        return new AgentCronApp(web, home, token);
    }

    public IAgentCronStore Store => Services.GetRequiredService<IAgentCronStore>();
    public Scheduler Scheduler => Services.GetRequiredService<Scheduler>();

    /// <summary>What confines this daemon's runs.</summary>
    public RunSandbox Sandbox => Services.GetRequiredService<RunSandbox>();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await Store.MigrateAsync(cancellationToken);
        await Web.StartAsync(cancellationToken);
        Address = ListeningAddress(Services);
        Addresses = [.. BoundAddresses(Services)];
        if (Sandbox.Status != SandboxStatus.On)
        {
            Services.GetRequiredService<ILogger<AgentCronApp>>().LogWarning("Runs are not sandboxed: {Sandbox}", Sandbox.Note);
        }

        Scheduler.Start();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await Scheduler.StopAsync(cancellationToken);
        await Web.StopAsync(cancellationToken);
    }

    /// <summary>Stops the engine if still running; the container then disposes the scheduler and the store.</summary>
    public async ValueTask DisposeAsync()
    {
        await Scheduler.StopAsync(CancellationToken.None);
        await Web.DisposeAsync();
    }

    private static ICollection<string> BoundAddresses(IServiceProvider services) =>
        services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];

    private static Uri ListeningAddress(IServiceProvider services)
    {
        var addresses = BoundAddresses(services);
        var address = addresses.FirstOrDefault(a => a.Contains("127.0.0.1", StringComparison.Ordinal)) ?? addresses.FirstOrDefault() ?? AgentCronPaths.DefaultUrl;
        return new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal));
    }
}
