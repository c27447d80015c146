using AgentCron.Core;
using AgentCron.Server.Hosting;
using AgentCron.TestKit;

namespace AgentCron.Server.Tests;

/// <summary>How the token and run-token key files are made and trusted (<see cref="TokenFile"/>).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TokenFileCreationTests : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task LoadOrCreate_GivesEveryCallerTheSameSecret_WhenManyStartAtOnceOnAFreshHome()
    {
        // Daemons starting together each checked for the file, found none, and wrote their own: in 6 of 13 trials one of
        // them then rejected the token the others (and the CLI) used.
        const int Callers = 16;
        for (var round = 0; round < 20; round++)
        {
            var path = _home.File($"token-{round}");
            var secrets = new string?[Callers];
            var errors = new Exception?[Callers];
            using var start = new Barrier(Callers);
            // Threads of their own: sixteen callers blocked on the barrier would starve the thread pool.
            var threads = Enumerable.Range(0, Callers).Select(i => new Thread(() =>
            {
                start.SignalAndWait();
                try
                {
                    secrets[i] = TokenFile.LoadOrCreate(path);
                }
                catch (Exception ex)
                {
                    errors[i] = ex;
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());

            Assert.All(errors, Assert.Null);
            var secret = Assert.Single(secrets.Distinct());
            Assert.Equal(secret, (await File.ReadAllTextAsync(path)).Trim());
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public async Task LoadOrCreate_WaitsForTheSecret_WhenTheFileIsCreatedButNotYetWritten()
    {
        var path = _home.File("token");
        File.Create(path).Dispose();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var loading = Task.Run(() => TokenFile.LoadOrCreate(path, TimeSpan.FromSeconds(30)));
        await File.WriteAllTextAsync(path, "act_written-a-moment-later-by-another-daemon\n");

        Assert.Equal("act_written-a-moment-later-by-another-daemon", await loading);
    }

    [Theory]
    [InlineData(UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)]
    public async Task LoadOrCreate_RefusesTheFile_WhenOtherUsersMayReadIt(UnixFileMode extra)
    {
        var path = _home.File("token");
        var secret = "act_" + new string('a', 64);
        await File.WriteAllTextAsync(path, secret + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | extra);
        var mode = Convert.ToString((int)File.GetUnixFileMode(path), 8).PadLeft(4, '0');

        var error = Assert.Throws<StartupCheckException>(() => TokenFile.LoadOrCreate(path));

        Assert.Equal(
            $"'{path}' may be read by other users (mode {mode}); it must be 0600. Run 'chmod 600 {path}' to keep it (anyone who read it can still use it), or delete it to have a new one made",
            error.Message);
        Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
        Assert.Equal(secret, (await File.ReadAllTextAsync(path)).Trim());
    }

    [Theory]
    [InlineData("short\n")]
    [InlineData("\n")]
    public async Task LoadOrCreate_RefusesTheFile_InsteadOfReplacingIt_WhenItHoldsNoUsableSecret(string text)
    {
        // It was rewritten in place: two daemons finding it short at once each wrote their own.
        var path = _home.File("run-token.key");
        await File.WriteAllTextAsync(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var error = Assert.Throws<StartupCheckException>(() => TokenFile.LoadOrCreate(path, TimeSpan.Zero));

        Assert.Equal($"'{path}' holds no usable secret ({text.Trim().Length} characters, at least 32 expected); delete it to have a new one made", error.Message);
        Assert.Equal(text, await File.ReadAllTextAsync(path));
    }

    [Fact]
    public void LoadOrCreate_RefusesAnEmptyFile_WhenNobodyWritesItWithinThePatience()
    {
        var path = _home.File("token");
        File.Create(path).Dispose();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var error = Assert.Throws<StartupCheckException>(() => TokenFile.LoadOrCreate(path, TimeSpan.Zero));

        Assert.Contains("holds no usable secret (0 characters", error.Message, StringComparison.Ordinal);
    }
}
