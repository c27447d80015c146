using System.Collections;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentCron.Cli.Tests;

/// <summary>A clock stopped at one instant, in one local zone.</summary>
internal sealed class FixedTime(DateTimeOffset now, TimeZoneInfo? zone = null) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();

    public override TimeZoneInfo LocalTimeZone => zone ?? TimeZoneInfo.Utc;
}

internal static class T
{
    public static DateTimeOffset I(string iso) =>
        DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public static TimeZoneInfo Berlin => Core.Time.TimeZones.Resolve("Europe/Berlin", TimeZoneInfo.Utc, "tz");

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    public static int ClosedPort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        var port = ((IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();
        return port;
    }
}

/// <summary>Runs the CLI in-process with captured output, a fixed clock and a given environment.</summary>
internal sealed class CliRun
{
    public StringWriter Out { get; } = new();
    public StringWriter Error { get; } = new();
    public Hashtable Environment { get; } = new();
    public TextReader In { get; init; } = new StringReader("");
    public TimeProvider Time { get; init; } = new FixedTime(T.I("2026-11-22T07:40:00Z"), T.Berlin);

    public CliRun(string? url = null, string? token = "test-token")
    {
        // Never fall back to the developer's real ~/.local/share/agentcron.
        Environment["AGENTCRON_HOME"] = Path.Combine(Path.GetTempPath(), "agentcron-cli-tests-nonexistent");
        if (url is not null)
            Environment["AGENTCRON_URL"] = url;
        if (token is not null)
            Environment["AGENTCRON_TOKEN"] = token;
    }

    public Task<int> RunAsync(params string[] args) =>
        AgentCronCli.RunAsync(args, new CliContext { Out = Out, Error = Error, In = In, Time = Time, Environment = Environment });
}

/// <summary>A recorded request to <see cref="FakeDaemon"/>.</summary>
internal sealed record Received(string Method, string PathAndQuery, string? Authorization, string Body);

/// <summary>A canned answer of <see cref="FakeDaemon"/>: a status, a content type and a body sent in chunks.</summary>
internal sealed record Reply(int Status, string Body = "", string ContentType = "application/json")
{
    public static Reply Json(string body, int status = 200) => new(status, body);

    public static Reply Problem(int status, string detail, string? field = null) => new(
        status,
        field is null
            ? $$"""{"type":"about:blank","title":"Error","status":{{status}},"detail":"{{detail}}"}"""
            : $$"""{"type":"about:blank","title":"Invalid request","status":{{status}},"detail":"{{detail}}","field":"{{field}}"}""",
        "application/problem+json");
}

/// <summary>A real HTTP server on 127.0.0.1 that answers every request with <c>respond</c> and records it.</summary>
internal sealed class FakeDaemon : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<Received, Reply> _respond;
    private readonly Task _loop;

    public FakeDaemon(Func<Received, Reply> respond)
    {
        _respond = respond;
        // HttpListener needs a fixed port; take a free one and retry on the rare race.
        for (var attempt = 0; ; attempt++)
        {
            Port = T.ClosedPort();
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public List<Received> Requests { get; } = [];

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
        }
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
            var received = new Received(context.Request.HttpMethod, context.Request.Url!.PathAndQuery, context.Request.Headers["Authorization"], await reader.ReadToEndAsync());
            lock (Requests)
                Requests.Add(received);

            var reply = _respond(received);
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = reply.ContentType;
            var bytes = Encoding.UTF8.GetBytes(reply.Body);
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }
}

/// <summary>JSON documents the API would send.</summary>
internal static class Views
{
    public static string Task(
        string slug = "check-deploy",
        string id = "t_01jd3x5q2v7k9m4p8r",
        string status = "active",
        string trigger = """{"kind":"at","expression":"2026-11-22T08:00:00.0000000+00:00","description":"once at 2026-11-22 08:00 +00:00"}""",
        string nextFireAt = "\"2026-11-22T08:00:00+00:00\"",
        string lastRun = "",
        string more = "") => $$"""
        {
          {{more}}
          "id": "{{id}}", "slug": "{{slug}}", "name": "Check deploy", "instructions": "Check the deploy.\nReport back.",
          "status": "{{status}}", "trigger": {{trigger}}, "agent": {"provider": "command", "command": "echo hi"},
          "policies": {"timeout": "30m", "retries": 2, "overlap": "skip", "misfire": "once", "catchUp": "1h", "jitter": "0s", "maxConsecutiveFailures": 5},
          "nextFireAt": {{nextFireAt}}, {{lastRun}}
          "consecutiveFailures": 0, "createdAt": "2026-11-22T07:40:00+00:00", "updatedAt": "2026-11-22T07:40:00+00:00", "version": 1
        }
        """;

    public static string Run(string id = "r_01jd3x5q2v7k9m4p8s", string status = "succeeded", string error = "null") => $$"""
        {
          "id": "{{id}}", "taskId": "t_01jd3x5q2v7k9m4p8r", "taskSlug": "check-deploy", "occurrence": "manual:1", "trigger": "manual",
          "scheduledFor": "2026-11-22T07:30:00+00:00", "notBefore": "2026-11-22T07:30:00+00:00", "attempt": 1,
          "status": "{{status}}", "cancelRequested": false, "createdAt": "2026-11-22T07:30:00+00:00",
          "startedAt": "2026-11-22T07:30:01+00:00", "finishedAt": "2026-11-22T07:32:06+00:00", "durationMs": 125000,
          "agent": "command", "summary": "All good", "error": {{error}}
        }
        """;

    public static string Page(string cursor, params string[] items) =>
        $$"""{"items":[{{string.Join(",", items)}}],"nextCursor":{{(cursor.Length == 0 ? "null" : $"\"{cursor}\"")}}}""";
}
