using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AgentCron.Ui.Tests;

/// <summary>
/// Every page at desktop and phone width: nothing wider than a 390 px phone, the tasks list current without a reload,
/// delete behind its confirmation, the keyboard reaching everything. With <c>AGENTCRON_UI_SCREENSHOTS=DIR</c> the
/// screenshots are kept there (docs/ui/ holds the committed ones).
/// </summary>
public sealed class PageTests : IClassFixture<UiDaemon>
{
    private readonly UiDaemon _ui;

    public PageTests(UiDaemon ui)
    {
        _ui = ui;
        SetDefaultExpectTimeout(30_000);
    }

    [Fact]
    public async Task EveryPage_FitsAPhone_AndIsShownAtBothWidths()
    {
        var task = await _ui.CreateTaskAsync(new
        {
            name = "morning digest",
            instructions = "Summarise yesterday's deploys and open incidents; post the three that need a person.",
            agent = new { command = "echo '## Digest\n\n- **3** deploys, all green\n- 1 incident open: `api-7` latency'" },
            trigger = new { cron = "30 8 * * 1-5", tz = "Europe/Berlin" },
            thread = "slack:C024BE91L:1700000000.000100",
            runNow = true,
        });
        await _ui.CreateTaskAsync(new { name = "deploy watch", instructions = "check the deploy", agent = new { command = "true" }, trigger = new { every = "2h" } });
        await _ui.CreateTaskAsync(new { name = "weekly report", instructions = "write it", agent = new { command = "true" }, trigger = new { window = "09:00-11:00", tz = "UTC" }, active = false });
        await TestKit.Eventually.TrueAsync(async () => (await _ui.RunAsync(task.RunId!)).Status == "succeeded", TimeSpan.FromSeconds(60), "the run to finish");
        var pages = new (string Name, string Path)[]
        {
            ("tasks", "/"), ("task", $"/tasks/{task.Id}"), ("run", $"/runs/{task.RunId}"), ("new-task", "/tasks/new"),
            ("upcoming", "/upcoming?days=7"), ("system", "/system"), ("delete", $"/tasks/{task.Id}/delete"),
        };
        var keep = Environment.GetEnvironmentVariable("AGENTCRON_UI_SCREENSHOTS");

        foreach (var (width, height, suffix) in new[] { (1280, 900, "desktop"), (390, 844, "phone") })
        {
            foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
            {
                var page = await _ui.SignedInPageAsync(new() { BaseURL = _ui.Address.ToString(), ViewportSize = new() { Width = width, Height = height }, ColorScheme = scheme });
                foreach (var (name, path) in pages)
                {
                    await page.GotoAsync(path);
                    await Expect(page.Locator("h1")).ToBeVisibleAsync();
                    var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
                    Assert.True(overflow <= 0, $"{name} is {overflow} px wider than {width} px");
                    if (keep is not null && (scheme == ColorScheme.Light || name == "tasks"))
                    {
                        await page.ScreenshotAsync(new() { Path = Path.Combine(keep, $"{name}-{suffix}{(scheme == ColorScheme.Dark ? "-dark" : "")}.png"), FullPage = true });
                    }
                }

                await page.Context.CloseAsync();
            }
        }
    }

    [Fact]
    public async Task Pages_AreReadableWithoutJavaScript()
    {
        var task = await _ui.CreateTaskAsync(new { name = "no script needed", instructions = "x", agent = new { command = "echo plain output" }, trigger = new { every = "1h" }, runNow = true });
        await TestKit.Eventually.TrueAsync(async () => (await _ui.RunAsync(task.RunId!)).Status == "succeeded", TimeSpan.FromSeconds(60), "the run to finish");
        var page = await _ui.SignedInPageAsync(new() { BaseURL = _ui.Address.ToString(), JavaScriptEnabled = false });

        await page.GotoAsync("/");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "no script needed" })).ToBeVisibleAsync();
        await Expect(page.Locator("time").First).ToContainTextAsync("UTC");
        await page.GotoAsync($"/runs/{task.RunId}");
        await Expect(page.Locator(".markdown")).ToContainTextAsync("plain output");
        await Expect(page.GetByText("Attempt 1: started")).ToContainTextAsync("succeeded");
    }

    [Fact]
    public async Task TasksList_ShowsANewTask_WithoutAReload()
    {
        var page = await _ui.SignedInPageAsync();
        await page.GotoAsync("/");
        var before = page.Url;

        await _ui.CreateTaskAsync(new { name = "appears by itself", instructions = "x", agent = new { command = "true" }, trigger = new { every = "1h" } });

        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "appears by itself" })).ToBeVisibleAsync();
        Assert.Equal(before, page.Url);
    }

    [Fact]
    public async Task Delete_AsksFirst_AndKeepingTheTaskLeavesIt()
    {
        var task = await _ui.CreateTaskAsync(new { name = "to delete", instructions = "x", agent = new { command = "true" } });
        var page = await _ui.SignedInPageAsync();
        await page.GotoAsync($"/tasks/{task.Id}");

        await page.GetByRole(AriaRole.Link, new() { Name = "Delete…" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Keep it" }).ClickAsync();
        Assert.Equal("to delete", (await _ui.TaskAsync(task.Id)).Name);

        await page.GetByRole(AriaRole.Link, new() { Name = "Delete…" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete the task" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The task was deleted.");
        using var gone = await _ui.Daemon.Client.GetAsync($"/api/tasks/{task.Id}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Keyboard_ReachesTheSkipLinkFirst_AndSwitchesATaskWithEnter()
    {
        var task = await _ui.CreateTaskAsync(new { name = "by keyboard", instructions = "x", agent = new { command = "true" }, trigger = new { every = "1h" } });
        var page = await _ui.SignedInPageAsync();
        await page.GotoAsync("/");

        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await page.EvaluateAsync<string>("() => document.activeElement.textContent"));
        var toggle = page.GetByRole(AriaRole.Switch, new() { Name = "by keyboard active" });
        await toggle.FocusAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.GetByRole(AriaRole.Switch, new() { Name = "by keyboard active" })).ToHaveAttributeAsync("aria-checked", "false");
        Assert.Equal("paused", (await _ui.TaskAsync(task.Id)).Status);
    }
}
