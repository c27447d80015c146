using System.Net.Http.Json;
using AgentCron.Core.Contracts;
using AgentCron.Server.Api;
using AgentCron.Server.Ui;
using AgentCron.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace AgentCron.Ui.Tests;

/// <summary>A real daemon for one test class, the system's Chromium, and browser pages signed in through the one-time link.</summary>
public sealed class UiDaemon : IAsyncLifetime
{
    private readonly Browser _browser = new();

    public TestDaemon Daemon { get; private set; } = null!;

    public Uri Address => Daemon.App.Address;

    public IBrowser Browser => _browser.Instance;

    public async Task InitializeAsync()
    {
        Daemon = await TestDaemon.StartAsync();
        await _browser.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await Daemon.DisposeAsync();
    }

    /// <summary>A fresh one-time sign-in link, as <c>agentcron ui</c> prints it.</summary>
    public Uri NewLink() => Daemon.App.Services.GetRequiredService<UiSessions>().NewLink(Address);

    /// <summary>A page in a new browser context (its own cookies), signed in; <paramref name="options"/> for the viewport or colour scheme.</summary>
    public async Task<IPage> SignedInPageAsync(BrowserNewContextOptions? options = null)
    {
        var context = await Browser.NewContextAsync(options ?? new() { BaseURL = Address.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync(NewLink().ToString());
        return page;
    }

    public Task<TaskView> CreateTaskAsync(object body) => Daemon.CreateTaskAsync(body);

    public async Task<TaskView> TaskAsync(string id) => await Daemon.GetAsync<TaskView>($"/api/tasks/{id}");

    public async Task<RunView> RunAsync(string id) => await Daemon.GetAsync<RunView>($"/api/runs/{id}");

    public async Task<PreviewView> PreviewAsync(string query) => (await Daemon.Client.GetFromJsonAsync<PreviewView>($"/api/preview?{query}", ApiJson.Options))!;
}
