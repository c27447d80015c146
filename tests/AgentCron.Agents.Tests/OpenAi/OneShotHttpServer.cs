using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentCron.Agents.Tests.OpenAi;

/// <summary>
/// A bare HTTP server on loopback for one request, at the socket level: it keeps the request's head (so a test can
/// read its headers, which <c>FakeModelServer</c> does not record) and then either answers with a streamed chat
/// completion or never answers and notices when the client closes the connection (the request was aborted).
/// </summary>
internal sealed class OneShotHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly TaskCompletionSource<string> _head = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closedByClient = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    private OneShotHttpServer(bool answer)
    {
        _listener.Start();
        _serving = ServeAsync(answer);
    }

    public string BaseUrl => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/v1";

    /// <summary>The request line and headers, once received.</summary>
    public Task<string> Head => _head.Task;

    /// <summary>Completes when the client closes the connection without getting an answer.</summary>
    public Task ClosedByClient => _closedByClient.Task;

    /// <summary>Answers the request with a streamed completion whose text is "ok".</summary>
    public static OneShotHttpServer Answering() => new(answer: true);

    /// <summary>Never answers.</summary>
    public static OneShotHttpServer Hanging() => new(answer: false);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _serving;
        _stop.Dispose();
    }

    private async Task ServeAsync(bool answer)
    {
        try
        {
            using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var stream = client.GetStream();
            var received = new StringBuilder();
            var buffer = new byte[8192];
            while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }

            _head.TrySetResult(received.ToString()[..received.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)]);
            if (answer)
            {
                const string Chunk = """{"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}""";
                var body = $"data: {Chunk}\n\ndata: [DONE]\n\n";
                await stream.WriteAsync(Encoding.UTF8.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}"), _stop.Token);
                return;
            }

            // Read (and drop) whatever else comes until the client goes away.
            while (await stream.ReadAsync(buffer, _stop.Token) > 0)
            {
            }

            _closedByClient.TrySetResult();
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
        {
            // A reset connection is the client going away too; a stopped listener ends the test.
            if (ex is IOException or SocketException)
            {
                _closedByClient.TrySetResult();
            }
        }
    }
}
