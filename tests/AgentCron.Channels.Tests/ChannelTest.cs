using AgentCron.TestKit;

namespace AgentCron.Channels.Tests;

/// <summary>What every channel test starts with: the platform's API on loopback, an HTTP client, and the engine's clock at a fixed instant.</summary>
public abstract class ChannelTest : IAsyncDisposable
{
    internal FakeApi Api { get; } = new();

    protected HttpClient Http { get; } = new();

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 7, 9, 30, 5, TimeSpan.Zero));

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        Http.Dispose();
        GC.SuppressFinalize(this);
    }
}
