using Microsoft.Playwright;

namespace AgentCron.Ui.Tests;

/// <summary>
/// The system's headless Chromium (Debian's package, which test.sh installs) driven by Playwright, one per test class;
/// never a browser Playwright would download.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Instance { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"{Chromium} is missing: install Debian's chromium package (./test.sh does)");
        }

        _playwright = await Playwright.CreateAsync();
        // --no-sandbox: the tests may run as root, where Chromium refuses its own sandbox; --disable-dev-shm-usage: a
        // container's small /dev/shm must not crash it.
        Instance = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage"] });
    }

    public async Task DisposeAsync()
    {
        await Instance.DisposeAsync();
        _playwright?.Dispose();
    }
}
