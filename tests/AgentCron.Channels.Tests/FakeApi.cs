using System.Collections.Concurrent;
using AgentCron.TestKit;

namespace AgentCron.Channels.Tests;

/// <summary>
/// A platform's HTTP API as a channel test needs it: a <see cref="FakeHttpServer"/> that answers each request with the
/// next answer the test queued (200 with an empty JSON object when none is left), optionally held until the test lets
/// it go.
/// </summary>
internal sealed class FakeApi : IAsyncDisposable
{
    private readonly ConcurrentQueue<(FakeHttpReply Reply, Task? Hold)> _answers = new();
    private readonly FakeHttpServer _server;

    public FakeApi() => _server = new FakeHttpServer(RespondAsync);

    public Uri Url => new(_server.Url, "api/");

    public IReadOnlyList<FakeHttpRequest> Requests => _server.Requests;

    /// <summary>Completes when a request has come and its answer is being held.</summary>
    public TaskCompletionSource Holding { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Answer(int status, string body = "{}", string? retryAfter = null, Task? hold = null) =>
        _answers.Enqueue((new FakeHttpReply(status, body, RetryAfter: retryAfter), hold));

    public void Stop() => _server.Stop();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task<FakeHttpReply> RespondAsync(FakeHttpRequest request)
    {
        if (!_answers.TryDequeue(out var answer))
        {
            return new FakeHttpReply(200, "{}");
        }

        if (answer.Hold is { } hold)
        {
            Holding.TrySetResult();
            await hold;
        }

        return answer.Reply;
    }
}
