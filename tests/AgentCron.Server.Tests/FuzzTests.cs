using System.Net;
using System.Text;
using System.Text.Json;
using AgentCron.Core.Contracts;
using AgentCron.Server.Tests.Support;
using AgentCron.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentCron.Server.Tests;

/// <summary>
/// Malformed requests across every mapped route, against the real daemon on loopback: a few thousand of them, drawn from
/// a fixed seed (a failure names the request, and the same seed sends it again). No answer may be a 5xx; every 4xx is a
/// problem document (MCP's JSON-RPC errors excepted: that protocol has its own); the daemon answers afterwards with its
/// engine healthy. Nothing leaves the machine: every agent CLI points at a missing program and the OpenAI endpoint at a
/// closed loopback port, and the commands drawn are harmless.
/// </summary>
public sealed class FuzzTests : IAsyncLifetime, IDisposable
{
    private const int Seed = 8_2026;
    private const int Requests = 3000;
    private const int Concurrency = 4;
    private static readonly TimeSpan RequestDeadline = TimeSpan.FromSeconds(20);

    private static readonly string[] Strings =
    [
        "", " ", "x", "abc", "true", "echo ok", "sh -c 'exit 3'", "'unclosed", "-1", "0", "1", "2147483648", "-2147483649",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e400", "NaN", "Infinity", "null",
        "America", "Europe", "Etc", "posix", "America/Argentina", "Etc/GMT+12", "Pacific/Kiritimati", "Europe/Berlin", "../../etc/passwd", "UTC",
        "9999-12-31T23:59:59.9999999Z", "9999-12-30T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31 23:59", "0001-01-01", "9999-12-31",
        "2026-02-30T09:00:00Z", "+36500d", "+99999999999d", "+1s", "now", "-1h", "1ms", "1s", "0s", "36500d", "36501d", "P10000Y", "PT-1S", "1h30m",
        "@reboot", "@daily", "@yearly", "* * * * * * *", "0 0 30 2 *", "60 * * * *", "*/0 * * * *", "0-59/1000 * * * *", "L W # ?", "0 9 * * 1-5",
        "09:00-10:00", "24:00-01:00", "23:59-00:00", "00:00-00:00", "99:99-99:99", "9:00-10:00",
        "read_only", "edit", "full", "FULL", "skip", "queue", "allow", "replace", "sometimes", "once", "all", "active", "queued", "running",
        "slack:C1:1.2", "a:b", ":::", "command", "claude", "codex", "gemini", "qwen", "opencode", "kilo", "openai", "nope", "cmd",
        "t_00000000000000000000000000", "r_00000000000000000000000000", "t_", "r_x",
        "\u0000", "\u202e", "😀", "タスク", "é", "\t\n", "' OR 1=1 --", "%s%n", "<script>", "\\", "\"", "{}", "[]",
        new string('x', 5000), new string('é', 3000), new string('9', 400),
    ];

    private static readonly string[] Numbers =
        ["0", "-1", "1", "5", "100", "101", "2147483647", "2147483648", "-2147483649", "9223372036854775808", "1e400", "1.5", "-0", "1e-400", "0x10"];

    private static readonly string[] QueryNames =
        ["limit", "cursor", "status", "task", "after", "count", "at", "in", "every", "cron", "window", "tz", "from", "unknown"];

    private static readonly string[] PreviewOptions = ["tz", "from", "count"];

    /// <summary>Values of the right kind per member, so that many requests get past the first check.</summary>
    private static readonly Dictionary<string, string[]> Typed = new()
    {
        ["at"] = ["+1h", "now", "9999-12-31T23:59:59Z", "2030-01-01 09:00", "2030-03-29 02:30", "+36500d", "2030-01-01T09:00:00+14:00"],
        ["in"] = ["1h", "90s", "36500d", "1ms", "1d2h"],
        ["every"] = ["1h", "36500d", "1s", "1h30m", "PT15M"],
        ["cron"] = ["@daily", "0 9 * * 1-5", "*/15 * * * *", "0 0 30 2 *", "30 2 * * *", "0 0 29 2 *", "0 0 0 1 1 *", "59 23 31 12 *"],
        ["window"] = ["09:00-10:00", "22:00-02:00", "23:59-00:00", "00:00-24:00", "02:00-03:00"],
        ["tz"] = ["UTC", "Europe/Berlin", "Pacific/Kiritimati", "Etc/GMT+12", "America", "posix/Europe/Berlin", "america/new_york"],
        ["from"] = ["9999-12-30T00:00:00Z", "0001-01-01T00:00:00Z", "now", "2026-03-29 01:00", "9999-12-31", "+36500d"],
        ["count"] = ["1", "10", "1000", "1001", "0"],
        ["provider"] = ["command", "claude", "codex", "gemini", "qwen", "opencode", "kilo", "openai", "cmd"],
        ["permissions"] = ["read_only", "edit", "full", ""],
        ["command"] = ["true", "echo ok", "sh -c 'exit 3'", "no-such-program", ""],
        ["cwd"] = ["/", "/tmp", "relative", "/no/such/dir", ""],
        ["timeout"] = ["1s", "30d", "31d", "10m"],
        ["overlap"] = ["skip", "queue", "allow", "replace"],
        ["misfire"] = ["once", "skip", "all"],
        ["catchUp"] = ["0s", "1h", "36500d"],
        ["jitter"] = ["0", "0s", "1m", "36500d"],
        ["thread"] = ["slack:C1:1.2", "discord:42", "a:b:c:d"],
    };

    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "FOO"];

    private static readonly string[] ContentTypes =
        ["application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "*/*"];

    private static readonly string[] RawPaths =
    [
        "/api", "/api/", "/api/tasks/%00", "/api/tasks/%FF", "/api/tasks/%C0%AF", "/api/tasks/a/b/c/d", "//api//tasks", "/api/%2e%2e/api/tasks",
        "/api/tasks/..%2F..%2Fetc%2Fpasswd", "/api/runs/%2F/log", "/api/tasks/%20/cancel", "/openapi/v2.json", "/openapi/..%2Fv1.json",
        "/mcp/x", "/api/health/x", "/api/preview/x", "/api/nodes/x", "/api/agents/codex", "/metrics", "/favicon.ico",
    ];

    private readonly TempDirectory _home = new();
    private readonly LogCapture _log = new();
    private TestDaemon _daemon = null!;
    private string[] _ids = [];

    public async Task InitializeAsync()
    {
        var missing = _home.File("no-such-agent");
        File.WriteAllText(_home.File("config.yaml"), $"""
            Engine:
              ShutdownGrace: 00:00:00
            Agents:
              Claude:
                Executable: {missing}
                Mcp: false
              Codex:
                Executable: {missing}
              Gemini:
                Executable: {missing}
              Qwen:
                Executable: {missing}
              OpenCode:
                Executable: {missing}
              Kilo:
                Executable: {missing}
              OpenAi:
                BaseUrl: http://127.0.0.1:9/v1
            """);
        _daemon = await TestDaemon.StartAsync(_home.Path, configure: services => services.AddSingleton<ILoggerProvider>(_log));

        // Real ids and slugs among the path values, so malformed requests also reach tasks and runs that exist.
        using var api = new ApiClient(_daemon.App.Address, _daemon.App.Token);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var task = await api.CreateTaskAsync(new { instructions = "target", slug = $"target-{i}", agent = new { command = "true" }, trigger = new { cron = "0 9 * * *" } });
            var run = await api.RunNowAsync(task.Id);
            ids.AddRange([task.Id, task.Slug, run.Id]);
        }

        _ids = [.. ids];
    }

    public async Task DisposeAsync() => await _daemon.DisposeAsync();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task MalformedRequestsOnEveryRoute_NeverAnswer5xx_AndEvery4xxIsAProblemDocument()
    {
        var routes = MappedRoute.Of(_daemon.App);
        var random = new Random(Seed);
        var requests = Enumerable.Range(0, Requests).Select(n => Draw(random, routes, n)).ToList();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var http = new HttpClient { BaseAddress = _daemon.App.Address, Timeout = Timeout.InfiniteTimeSpan };

        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (request, _) =>
        {
            if (await CheckAsync(http, request) is { } failure)
            {
                failures.Enqueue(failure);
            }
        });

        var errors = _log.Lines.Where(l => l.Level >= LogLevel.Error).Select(l => $"{l.Category}: {l.Message} {l.Exception}");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {Requests} requests (seed {Seed}) failed:\n{string.Join("\n", failures.Take(30))}\nThe daemon logged:\n{string.Join("\n", errors.Take(5))}");
        using var api = new ApiClient(_daemon.App.Address, _daemon.App.Token);
        var health = await api.ExpectAsync<HealthView>(HttpMethod.Get, "/api/health", HttpStatusCode.OK);
        Assert.True(health.Status == "ok", JsonSerializer.Serialize(health));
        var created = await api.CreateTaskAsync(new { instructions = "still here", agent = new { command = "true" }, trigger = new { @in = "1h" } });
        Assert.Equal(created.Id, (await api.GetTaskAsync(created.Slug)).Id);
    }

    /// <summary>One request, and what it was for the failure message.</summary>
    private sealed record Drawn(int N, string Method, string Path, byte[]? Body, string? ContentType, IReadOnlyList<(string Name, string Value)> Headers)
    {
        public override string ToString()
        {
            var body = Body is null ? "" : Encoding.UTF8.GetString(Body);
            return $"#{N} {Method} {(Path.Length > 300 ? Path[..300] + "…" : Path)} {(body.Length > 300 ? body[..300] + "…" : body)}";
        }
    }

    private static async Task<string?> CheckAsync(HttpClient http, Drawn drawn)
    {
        // The path goes out as written: no dot-segment removal, no re-escaping.
        var uri = new Uri($"{http.BaseAddress!.GetLeftPart(UriPartial.Authority)}{drawn.Path}", new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(new HttpMethod(drawn.Method), uri);
        foreach (var (name, value) in drawn.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (drawn.Body is not null)
        {
            request.Content = new ByteArrayContent(drawn.Body);
            if (drawn.ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", drawn.ContentType);
            }
        }

        using var deadline = new CancellationTokenSource(RequestDeadline);
        HttpResponseMessage response;
        try
        {
            // Headers only: a log stream of a running run answers 200 and then keeps going.
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return $"{drawn}: no answer ({ex.GetType().Name}: {ex.Message})";
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status < 400)
            {
                return null;
            }

            var body = await response.Content.ReadAsStringAsync(deadline.Token);
            if (status >= 500)
            {
                return $"{drawn}: {status} {body}";
            }

            if (drawn.Method == "HEAD")
            {
                return null;
            }

            if (RejectedByKestrel(drawn))
            {
                return status is 400 or 414 ? null : $"{drawn}: {status}, where Kestrel rejects the request line";
            }

            if (drawn.Path.StartsWith("/mcp", StringComparison.Ordinal) && IsJsonRpcError(body))
            {
                return null;
            }

            return response.Content.Headers.ContentType?.MediaType == "application/problem+json" && ProblemStatus(body) == status
                ? null
                : $"{drawn}: {status} is not a problem document: {response.Content.Headers.ContentType} {body}";
        }
    }

    /// <summary>
    /// Requests Kestrel rejects before any app code runs — a NUL in the decoded path (400), a request line over its 8 KB
    /// limit (414) — with an empty body, which the app cannot make a problem document.
    /// </summary>
    private static bool RejectedByKestrel(Drawn drawn) =>
        drawn.Path.Split('?')[0].Contains("%00", StringComparison.Ordinal) || drawn.Method.Length + drawn.Path.Length + " HTTP/1.1".Length + 1 > 8 * 1024;

    private static int? ProblemStatus(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("status", out var status) && status.TryGetInt32(out var value) ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool IsJsonRpcError(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("jsonrpc", out _) && document.RootElement.TryGetProperty("error", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private Drawn Draw(Random r, IReadOnlyList<MappedRoute> routes, int n)
    {
        var route = routes[r.Next(routes.Count)];
        var method = r.Next(10) == 0 ? Pick(r, Methods) : route.Method;
        var path = r.Next(10) switch
        {
            0 => Pick(r, RawPaths),
            1 => route.Path(_ => Escape(Pick(r, Strings))) + "/" + Escape(Pick(r, Strings)),
            _ => route.Path(_ => Escape(r.Next(3) == 0 ? Pick(r, Strings) : Pick(r, _ids))),
        };
        path += Query(r, route.Pattern);

        var headers = new List<(string, string)>();
        headers.Add(("Authorization", r.Next(20) switch
        {
            0 => "",
            1 => "Bearer wrong",
            2 => "Basic " + Convert.ToBase64String(Encoding.ASCII.GetBytes("a:b")),
            3 => "Bearer acr_" + Pick(r, _ids) + ".00",
            _ => "Bearer " + _daemon.App.Token,
        }));
        if (r.Next(4) == 0)
        {
            headers.Add(("If-Match", Pick(r, ["\"1\"", "\"-1\"", "\"99999999999999999999\"", "*", "W/\"1\"", "\"abc\"", "1", "\"\""])));
        }

        if (r.Next(8) == 0)
        {
            headers.Add(("X-Fuzz", new string('h', r.Next(1, 4000))));
        }

        if (r.Next(8) == 0)
        {
            headers.Add(("Accept", Pick(r, ["text/event-stream", "application/xml", "*/*", "application/json;q=0", "garbage"])));
        }

        byte[]? body = null;
        string? contentType = null;
        if (method is "POST" or "PUT" or "PATCH" || r.Next(10) == 0)
        {
            body = Body(r, route.Pattern.StartsWith("/mcp", StringComparison.Ordinal));
            contentType = r.Next(5) == 0 ? Pick(r, ContentTypes) : "application/json";
        }

        return new Drawn(n, method, path, body, contentType, headers);
    }

    private static string Query(Random r, string pattern)
    {
        var parts = new List<string>();
        if (pattern == "/api/preview" && r.Next(2) == 0)
        {
            // One trigger, as a person would ask: most of these answer 200 with occurrences.
            var kind = Pick(r, ["at", "in", "every", "cron", "window"]);
            parts.Add($"{kind}={Escape(Value(r, kind))}");
            parts.AddRange(PreviewOptions.Where(_ => r.Next(2) == 0).Select(name => $"{name}={Escape(Value(r, name))}"));
            return "?" + string.Join('&', parts);
        }

        foreach (var name in QueryNames)
        {
            if (r.Next(6) == 0)
            {
                parts.Add($"{name}={Escape(Pick(r, r.Next(3) == 0 ? Numbers : Strings))}");
                if (r.Next(10) == 0)
                {
                    parts.Add($"{name}={Escape(Pick(r, Strings))}");
                }
            }
        }

        if (r.Next(20) == 0)
        {
            parts.Add("%ZZ=%");
        }

        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    private static byte[] Body(Random r, bool mcp)
    {
        var text = mcp ? JsonRpc(r) : TaskJson(r);
        switch (r.Next(20))
        {
            case 0:
                return [];
            case 1:
                return Encoding.UTF8.GetBytes(text[..r.Next(text.Length + 1)]);
            case 2:
                return [.. Encoding.UTF8.GetBytes(text[..(text.Length / 2)]), 0xC0, 0xFF, 0xFE, .. Encoding.UTF8.GetBytes(text[(text.Length / 2)..])];
            case 3:
                return Encoding.UTF8.GetBytes(new string('[', 1000) + new string(']', 1000));
            case 4:
                return Encoding.UTF8.GetBytes(Pick(r, Strings));
            default:
                return Encoding.UTF8.GetBytes(text);
        }
    }

    /// <summary>A task body: a valid one changed in a few places (so many are created), or members of any kind.</summary>
    private static string TaskJson(Random r) => r.Next(5) < 2 ? NearlyValidTask(r) : AnyTask(r);

    private static string NearlyValidTask(Random r)
    {
        var task = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["instructions"] = "\"fuzz\"" };
        var trigger = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["in"] = "\"1h\"" };
        var agent = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["command"] = "\"true\"" };
        var policies = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var i = r.Next(1, 4); i > 0; i--)
        {
            switch (r.Next(5))
            {
                case 0:
                    trigger.Clear();
                    var kind = Pick(r, ["at", "in", "every", "cron", "window"]);
                    trigger[kind] = Json(Value(r, kind));
                    if (r.Next(2) == 0)
                    {
                        trigger["tz"] = Json(Value(r, "tz"));
                    }

                    break;
                case 1:
                    var member = Pick(r, ["provider", "model", "command", "cwd", "permissions"]);
                    agent[member] = Json(Value(r, member));
                    break;
                case 2:
                    var policy = Pick(r, ["timeout", "retries", "overlap", "misfire", "catchUp", "jitter", "maxConsecutiveFailures", "recurringFollowUps"]);
                    policies[policy] = policy is "retries" or "maxConsecutiveFailures" ? Pick(r, Numbers) : policy == "recurringFollowUps" ? Pick(r, ["true", "false"]) : Json(Value(r, policy));
                    break;
                case 3:
                    var field = Pick(r, ["name", "slug", "instructions", "thread"]);
                    task[field] = Json(Value(r, field));
                    break;
                default:
                    task[Pick(r, ["runNow", "active"])] = Pick(r, ["true", "false", "null"]);
                    break;
            }
        }

        task["trigger"] = Members(trigger);
        task["agent"] = Members(agent);
        task["policies"] = Members(policies);
        return Members(task);

        static string Members(IDictionary<string, string> members) => "{" + string.Join(',', members.Select(m => $"\"{m.Key}\":{m.Value}")) + "}";
    }

    /// <summary>Known members with values of the right kind or of any kind, sometimes an unknown one.</summary>
    private static string AnyTask(Random r)
    {
        var members = new List<string>();
        void Add(string name, Func<string> value)
        {
            if (r.Next(2) == 0)
            {
                members.Add($"\"{name}\":{(r.Next(4) == 0 ? AnyJson(r, 0) : value())}");
            }
        }

        Add("name", () => Str(r));
        Add("slug", () => Str(r));
        Add("instructions", () => r.Next(30) == 0 ? Json(new string('i', 200_001)) : Str(r));
        Add("trigger", () => Object(r, ["at", "in", "every", "cron", "window", "tz"], () => Str(r)));
        Add("agent", () => Object(r, ["provider", "model", "command", "cwd", "permissions"], () => Str(r)));
        Add("thread", () => Str(r));
        Add("policies", () => Object(r, ["timeout", "retries", "overlap", "misfire", "catchUp", "jitter", "maxConsecutiveFailures", "recurringFollowUps"], () => r.Next(2) == 0 ? Pick(r, Numbers) : Str(r)));
        Add("runNow", () => Pick(r, ["true", "false", "null", "1", "\"yes\""]));
        Add("active", () => Pick(r, ["true", "false", "null", "0"]));
        if (r.Next(10) == 0)
        {
            members.Add($"{Json(Pick(r, Strings))}:{AnyJson(r, 0)}");
        }

        return "{" + string.Join(',', members) + "}";
    }

    private static string JsonRpc(Random r)
    {
        var version = r.Next(5) == 0 ? AnyJson(r, 0) : "\"2.0\"";
        var method = Json(Pick(r, ["tools/list", "tools/call", "initialize", "ping", "resources/list", .. Strings]));
        var tool = Json(Pick(r, ["schedule_follow_up", "list_tasks", "show_task", "cancel_task", .. Strings]));
        var arguments = Object(r, ["prompt", "in", "at", "name", "here", "agent", "command", "model", "permissions", "cwd", "id", "status"], () => r.Next(3) == 0 ? AnyJson(r, 1) : Str(r));
        return $"{{\"jsonrpc\":{version},\"id\":{AnyJson(r, 1)},\"method\":{method},\"params\":{{\"name\":{tool},\"arguments\":{arguments}}}}}";
    }

    private static string Object(Random r, string[] names, Func<string> value) =>
        "{" + string.Join(',', names.Where(_ => r.Next(3) == 0).Select(name => $"\"{name}\":{value()}")) + "}";

    private static string AnyJson(Random r, int depth) => r.Next(depth > 2 ? 4 : 6) switch
    {
        0 => Str(r),
        1 => Pick(r, Numbers),
        2 => Pick(r, ["true", "false", "null"]),
        3 => Json(new string('z', r.Next(100_000))),
        4 => "[" + string.Join(',', Enumerable.Range(0, r.Next(4)).Select(_ => AnyJson(r, depth + 1))) + "]",
        _ => "{" + string.Join(',', Enumerable.Range(0, r.Next(4)).Select(_ => $"{Str(r)}:{AnyJson(r, depth + 1)}")) + "}",
    };

    private static string Str(Random r) => Json(Pick(r, Strings));

    /// <summary>Mostly a value of the member's own kind, sometimes any string.</summary>
    private static string Value(Random r, string member) =>
        Typed.TryGetValue(member, out var typed) && r.Next(4) != 0 ? Pick(r, typed) : Pick(r, Strings);

    /// <summary>A JSON string literal; lone surrogates and control characters are escaped, so they reach the parser as such.</summary>
    private static string Json(string text)
    {
        var json = new StringBuilder("\"");
        foreach (var c in text)
        {
            json.Append(c is '"' or '\\' || char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return json.Append('"').ToString();
    }

    /// <summary>Percent-encodes every byte of the text's UTF-8 that is not unreserved.</summary>
    private static string Escape(string text) =>
        string.Concat(Encoding.UTF8.GetBytes(text).Select(b => char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~' ? ((char)b).ToString() : $"%{b:X2}"));

    private static string Pick(Random r, string[] items) => items[r.Next(items.Length)];
}
