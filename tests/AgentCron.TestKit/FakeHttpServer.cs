using System.Collections.Specialized;
using System.Net;
using System.Text;

namespace AgentCron.TestKit;

/// <summary>A request <see cref="FakeHttpServer"/> received.</summary>
public sealed record FakeHttpRequest(string Method, string PathAndQuery, NameValueCollection Headers, string Body)
{
    public string? Authorization => Headers["Authorization"];
}

/// <summary>What <see cref="FakeHttpServer"/> answers: a status, a body of a content type, and any more headers.</summary>
public sealed record FakeHttpReply(int Status, string Body = "", string ContentType = "application/json", string? RetryAfter = null);

/// <summary>
/// A real HTTP server on 127.0.0.1 for tests of HTTP clients (the CLI against a daemon, a channel against a chat
/// platform's API): it records every request and answers it with what the test's <c>respond</c> returns, which may
/// wait for the test before answering.
/// </summary>
public sealed class FakeHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Func<FakeHttpRequest, Task<FakeHttpReply>> _respond;
    private readonly List<FakeHttpRequest> _requests = [];
    private readonly Task _loop;

    public FakeHttpServer(Func<FakeHttpRequest, Task<FakeHttpReply>> respond)
    {
        _respond = respond;
        // HttpListener needs a fixed port; take a free one and retry on the rare race, with a new listener each time: one
        // that failed to start keeps its prefix registered, and closing it later fails when another process holds the port.
        for (var attempt = 0; ; attempt++)
        {
            Port = LoopbackPort.Free();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                listener.Start();
                _listener = listener;
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }

        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    /// <summary>The requests received so far, in order.</summary>
    public IReadOnlyList<FakeHttpRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Stops listening: clients from now on cannot connect.</summary>
    public void Stop() => _listener.Stop();

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            _listener.Close();
        }
        catch (HttpListenerException)
        {
            // Closing a stopped listener unregisters its prefix again, which on Linux binds the port anew; when another
            // server (another test's) has taken the port meanwhile, that fails — with nothing left to release.
        }

        await _loop;
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var received = new FakeHttpRequest(context.Request.HttpMethod, context.Request.Url!.PathAndQuery, context.Request.Headers, await reader.ReadToEndAsync());
            lock (_requests)
            {
                _requests.Add(received);
            }

            var reply = await _respond(received);
            try
            {
                context.Response.StatusCode = reply.Status;
                context.Response.ContentType = reply.ContentType;
                if (reply.RetryAfter is { } retryAfter)
                {
                    context.Response.AddHeader("Retry-After", retryAfter);
                }

                var bytes = Encoding.UTF8.GetBytes(reply.Body);
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
            catch (HttpListenerException)
            {
                // The client stopped waiting (a timeout test): nobody reads this answer.
            }
        }
    }
}
