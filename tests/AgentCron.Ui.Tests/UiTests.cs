using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AgentCron.Ui.Tests;

/// <summary>The web UI in a real headless Chromium against a real daemon: sign-in, forms, live parts, safety and accessibility.</summary>
public sealed partial class UiTests : IClassFixture<UiDaemon>
{
    private readonly UiDaemon _ui;

    public UiTests(UiDaemon ui)
    {
        _ui = ui;
        SetDefaultExpectTimeout(30_000);
    }

    [Fact]
    public async Task WithoutSigningIn_OnlyTheSignInPageIsReachable_AndALinkSignsInOnce()
    {
        var context = await _ui.Browser.NewContextAsync(new() { BaseURL = _ui.Address.ToString() });
        var page = await context.NewPageAsync();

        foreach (var path in new[] { "/", "/upcoming", "/system", "/tasks/new" })
        {
            await page.GotoAsync(path);
            Assert.EndsWith("/sign-in", page.Url, StringComparison.Ordinal);
        }

        var post = await page.APIRequest.PostAsync("/tasks/new", new() { Form = page.APIRequest.CreateFormData().Set("instructions", "x") });
        Assert.Equal(401, post.Status);

        var link = _ui.NewLink().ToString();
        await page.GotoAsync(link);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Tasks", Exact = true })).ToBeVisibleAsync();
        var cookie = Assert.Single(await context.CookiesAsync(), c => c.Name == "agentcron_ui");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);

        var other = await (await _ui.Browser.NewContextAsync(new() { BaseURL = _ui.Address.ToString() })).NewPageAsync();
        var again = await other.GotoAsync(link);
        Assert.Equal(401, again!.Status);
        await Expect(other.GetByText("has been used or has expired")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task NewTaskForm_ShowsTheErrorAtItsField_ThenCreatesTheTask()
    {
        var page = await _ui.SignedInPageAsync();
        await page.GotoAsync("/tasks/new");
        await page.GetByLabel("Schedule").SelectOptionAsync("custom");
        await page.GetByLabel("Kind").SelectOptionAsync("cron");
        await page.GetByLabel("Expression").FillAsync("61 * * * *");
        await page.GetByLabel("Instructions").FillAsync("check the deploy");
        await page.GetByLabel("Command (command agent)").FillAsync("echo ok");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create task" }).ClickAsync();

        await Expect(page.Locator("#trigger-error")).ToContainTextAsync("61");

        await page.GetByLabel("Expression").FillAsync("30 8 * * 1-5");
        await page.GetByLabel("Name").FillAsync("ui created");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create task" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "ui created" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Task created.");
        var id = TaskId().Match(page.Url).Groups[1].Value;
        var task = await _ui.TaskAsync(id);
        Assert.Equal(("cron", "30 8 * * 1-5", "echo ok"), (task.Trigger!.Kind, task.Trigger.Expression, task.Agent.Command));
    }

    [Fact]
    public async Task NewTaskForm_PreviewsTheNextOccurrencesInTheChosenZone_AndTheCliLine()
    {
        var page = await _ui.SignedInPageAsync();
        await page.GotoAsync("/tasks/new");
        await page.GetByLabel("Schedule").SelectOptionAsync("weekdays");
        await page.GetByLabel("At (daily, weekdays)").FillAsync("08:30");
        await page.GetByLabel("Time zone").FillAsync("Europe/Berlin");
        await page.GetByLabel("Instructions").FillAsync("morning digest");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();

        var expected = await _ui.PreviewAsync("cron=30%208%20*%20*%201-5&tz=Europe/Berlin&count=10");
        var items = await page.Locator("[data-preview] ol li").AllTextContentsAsync();
        Assert.Equal(10, items.Count);
        Assert.All(items.Zip(expected.Occurrences), pair => Assert.Contains($"{TimeZoneInfo.ConvertTime(pair.Second, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")):yyyy-MM-dd HH:mm}", pair.First, StringComparison.Ordinal));
        await Expect(page.Locator("[data-preview] pre")).ToContainTextAsync("agentcron task create --cron '30 8 * * 1-5' --tz Europe/Berlin --prompt 'morning digest'");
    }

    [Fact]
    public async Task EditingAPausedTask_ChangesOnlyWhatTheFormChanged_AndItStaysPaused()
    {
        var task = await _ui.CreateTaskAsync(new { instructions = "nightly report", agent = new { command = "echo report" }, trigger = new { cron = "0 2 * * *", tz = "UTC" }, active = false });
        var page = await _ui.SignedInPageAsync();
        await page.GotoAsync($"/tasks/{task.Id}");

        await page.GetByLabel("Name").FillAsync("nightly report, renamed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved.");
        var saved = await _ui.TaskAsync(task.Id);
        Assert.Equal(("nightly report, renamed", "paused", task.Trigger, task.Policies), (saved.Name, saved.Status, saved.Trigger, saved.Policies));
        Assert.Equal(task.Version + 1, saved.Version);
    }

    [Fact]
    public async Task Saving_KeepsWhatChangedMeanwhileElsewhere_AndIsNotRefusedForIt()
    {
        var task = await _ui.CreateTaskAsync(new { name = "busy task", instructions = "x", agent = new { command = "true" }, trigger = new { every = "1h" } });
        var page = await _ui.SignedInPageAsync();
        await page.GotoAsync($"/tasks/{task.Id}");

        // Meanwhile: someone changes the timeout, and a run changes the task's state.
        using (var patched = await _ui.Daemon.Client.PatchAsync($"/api/tasks/{task.Id}", new StringContent("""{"policies":{"timeout":"5m"}}""", System.Text.Encoding.UTF8, "application/json")))
        {
            patched.EnsureSuccessStatusCode();
        }

        await page.GetByLabel("Name").FillAsync("busy task, renamed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved.");
        var saved = await _ui.TaskAsync(task.Id);
        Assert.Equal(("busy task, renamed", "5m"), (saved.Name, saved.Policies.Timeout));
    }

    [Fact]
    public async Task ActiveToggle_PausesAndResumesFromTheList()
    {
        var task = await _ui.CreateTaskAsync(new { name = "toggle me", instructions = "x", agent = new { command = "true" }, trigger = new { every = "1h" } });
        var page = await _ui.SignedInPageAsync();
        await page.GotoAsync("/");
        var toggle = page.GetByRole(AriaRole.Switch, new() { Name = "toggle me active" });

        await toggle.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Switch, new() { Name = "toggle me active" })).ToHaveAttributeAsync("aria-checked", "false");
        Assert.Equal("paused", (await _ui.TaskAsync(task.Id)).Status);

        await page.GetByRole(AriaRole.Switch, new() { Name = "toggle me active" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Switch, new() { Name = "toggle me active" })).ToHaveAttributeAsync("aria-checked", "true");
        Assert.Equal("active", (await _ui.TaskAsync(task.Id)).Status);
    }

    [Fact]
    public async Task RunningRun_StreamsItsLog_AndCancelStopsItsProcess()
    {
        var task = await _ui.CreateTaskAsync(new { instructions = "x", agent = new { command = "sh -c 'echo started; sleep 600'" }, runNow = true, policies = new { retries = 0 } });
        var page = await _ui.SignedInPageAsync();
        await page.GotoAsync($"/runs/{task.RunId}");

        await Expect(page.Locator("pre.log")).ToContainTextAsync("started");
        var pid = int.Parse(PidPattern().Match(await page.Locator("pre.log").TextContentAsync() ?? "").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Directory.Exists($"/proc/{pid}"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" }).ClickAsync();

        await Expect(page.Locator("[data-live=status]")).ToContainTextAsync("cancelled");
        Assert.Equal("cancelled", (await _ui.RunAsync(task.RunId!)).Status);
        Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AgentOutput_IsRenderedAsMarkdown_AndCanNeverRunScript()
    {
        const string Output = """
            ## Report
            **bold** and a [safe link](https://example.com/a)
            <script>window.__xss = 'script'</script>
            [click](javascript:window.__xss='link')
            <img src=x onerror="window.__xss='img'">
            <a href="#" onclick="window.__xss='click'">handler</a>
            """;
        var script = Path.Combine(Path.GetTempPath(), $"agentcron-xss-{Guid.NewGuid():N}.md");
        await File.WriteAllTextAsync(script, Output);
        try
        {
            var task = await _ui.CreateTaskAsync(new { instructions = "x", agent = new { command = $"cat {script}" }, runNow = true });
            await Eventually(async () => (await _ui.RunAsync(task.RunId!)).Status == "succeeded");
            var page = await _ui.SignedInPageAsync();
            var dialogs = 0;
            page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
            await page.GotoAsync($"/runs/{task.RunId}");

            var markdown = page.Locator(".markdown");
            await Expect(markdown.Locator("h2")).ToHaveTextAsync("Report");
            await Expect(markdown.Locator("strong")).ToHaveTextAsync("bold");
            // What is left of the javascript: link and the handler's link is clicked: nothing may run.
            foreach (var link in await markdown.Locator("a:not([href^='http'])").AllAsync())
            {
                await link.ClickAsync();
            }

            Assert.Equal(0, await markdown.Locator("script, img[onerror], [onclick]").CountAsync());
            Assert.DoesNotContain(await markdown.Locator("a").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href') || '')"), href => href.StartsWith("javascript:", StringComparison.OrdinalIgnoreCase));
            Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__xss"));
            Assert.Equal(0, dialogs);
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public async Task Upcoming_ShowsTheSameOccurrencesAsPreview()
    {
        await _ui.CreateTaskAsync(new { name = "half-hourly", instructions = "x", agent = new { command = "true" }, trigger = new { cron = "*/30 * * * *", tz = "UTC" } });
        var page = await _ui.SignedInPageAsync();
        await page.GotoAsync("/upcoming?days=1");

        var shown = await page.Locator("ol.timeline li", new() { HasText = "half-hourly" }).Locator("time").EvaluateAllAsync<string[]>("els => els.map(e => e.getAttribute('datetime'))");
        // Every occurrence of the next 24 hours, as `agentcron preview` gives them from the first one on.
        Assert.InRange(shown.Length, 48, 49);
        var from = DateTimeOffset.Parse(shown[0], System.Globalization.CultureInfo.InvariantCulture).AddSeconds(-1);
        var expected = await _ui.PreviewAsync($"cron=*/30%20*%20*%20*%20*&tz=UTC&count={shown.Length}&from={Uri.EscapeDataString(from.ToString("O"))}");
        Assert.Equal(expected.Occurrences.Select(o => o.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ")), shown);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/upcoming")]
    [InlineData("/system")]
    [InlineData("/tasks/new")]
    [InlineData("task")]
    [InlineData("run")]
    [InlineData("/sign-in")]
    public async Task EveryPage_HasNoSeriousOrCriticalAccessibilityViolation(string path)
    {
        var task = await _ui.CreateTaskAsync(new { name = "a11y", instructions = "x", agent = new { command = "echo fine" }, trigger = new { every = "1h" }, runNow = true });
        await Eventually(async () => (await _ui.RunAsync(task.RunId!)).Status == "succeeded");
        var page = await _ui.SignedInPageAsync();
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            await page.EmulateMediaAsync(new() { ColorScheme = scheme });
            await page.GotoAsync(path switch { "task" => $"/tasks/{task.Id}", "run" => $"/runs/{task.RunId}", _ => path });

            var results = await page.RunAxe();

            var serious = results.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{scheme}: {v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Select(n => n.Html))})").ToList();
            Assert.True(serious.Count == 0, string.Join("\n", serious));
        }
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        await TestKit.Eventually.TrueAsync(condition, TimeSpan.FromSeconds(60), "the run to finish");
    }

    [GeneratedRegex("/tasks/(t_[0-9a-z]+)")]
    private static partial Regex TaskId();

    [GeneratedRegex(@"\[process\.started\] \{""pid"":(\d+)")]
    private static partial Regex PidPattern();
}
