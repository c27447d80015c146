using System.Net.Http.Headers;
using System.Net.Http.Json;
using AgentCron.Core.Contracts;
using AgentCron.Server;
using AgentCron.Server.Api;
using Microsoft.Extensions.DependencyInjection;

namespace AgentCron.TestKit;

/// <summary>The real daemon (API + engine + SQLite file) in-process, on a free loopback port, with its own data directory.</summary>
public sealed class TestDaemon : IAsyncDisposable
{
    private readonly TempDirectory? _ownHome;

    private TestDaemon(AgentCronApp app, TempDirectory? ownHome)
    {
        App = app;
        _ownHome = ownHome;
        Client = new HttpClient { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", app.Token);
    }

    public AgentCronApp App { get; }

    /// <summary>An HTTP client with the token.</summary>
    public HttpClient Client { get; }

    /// <summary>
    /// Starts a daemon on <paramref name="home"/> (else a data directory of its own), with <c>serve</c>'s <paramref name="db"/>
    /// and <paramref name="config"/> if given; <paramref name="configure"/> adds services, e.g. a logger provider.
    /// </summary>
    public static async Task<TestDaemon> StartAsync(string? home = null, TimeProvider? time = null, string? db = null, string? config = null, Action<IServiceCollection>? configure = null)
    {
        var ownHome = home is null ? new TempDirectory() : null;
        var app = AgentCronApp.Create(new ServeOptions(Home: home ?? ownHome!.Path, Db: db, Urls: "http://127.0.0.1:0", Config: config), time, configure);
        await app.StartAsync(CancellationToken.None);
        return new TestDaemon(app, ownHome);
    }

    public async Task<TaskView> CreateTaskAsync(object body)
    {
        using var response = await Client.PostAsJsonAsync("/api/tasks", body, ApiJson.Options);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"create failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        return (await response.Content.ReadFromJsonAsync<TaskView>(ApiJson.Options))!;
    }

    public async Task<T> GetAsync<T>(string path) => (await Client.GetFromJsonAsync<T>(path, ApiJson.Options))!;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        _ownHome?.Dispose();
    }
}
