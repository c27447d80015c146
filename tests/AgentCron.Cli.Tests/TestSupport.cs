using System.Collections;
using System.Globalization;
using System.Text;
using AgentCron.TestKit;

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

/// <summary>The daemon's API as the CLI tests need it: a <see cref="FakeHttpServer"/> that answers every request with <c>respond</c>.</summary>
internal sealed class FakeDaemon(Func<FakeHttpRequest, Reply> respond) : IAsyncDisposable
{
    private readonly FakeHttpServer _server = new(request =>
    {
        var reply = respond(request);
        return Task.FromResult(new FakeHttpReply(reply.Status, reply.Body, reply.ContentType));
    });

    public int Port => _server.Port;

    public string Url => $"http://127.0.0.1:{Port}";

    public IReadOnlyList<FakeHttpRequest> Requests => _server.Requests;

    public ValueTask DisposeAsync() => _server.DisposeAsync();
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
