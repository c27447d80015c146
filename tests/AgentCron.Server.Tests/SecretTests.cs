using System.Net;
using System.Text;
using AgentCron.Core.Contracts;
using AgentCron.Server.Tests.Support;
using AgentCron.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentCron.Server.Tests;

/// <summary>
/// With every kind of channel configured — secrets from environment variables and from files — a run delivers to all
/// of them, first to platforms that refuse everything, then to platforms that take it; no secret appears in anything
/// the daemon logged, answered or stored, nor in what its run could read.
/// </summary>
public sealed class SecretTests : IAsyncLifetime, IDisposable
{
    private static readonly string[] SecretFiles = ["telegram.token", "webhook.secret", "smtp.password"];
    private static readonly string[] Channels = ["slack", "discord", "telegram", "lark", "hook", "mail"];

    private readonly TempDirectory _home = new();
    private readonly TempDirectory _secrets = new();
    private readonly FakePlatforms _platforms = new();
    private readonly FakeSmtpServer _smtp;
    private readonly LogCapture _log = new();
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    private readonly Dictionary<string, string> _secretValues;
    private TestDaemon _daemon = null!;
    private ApiClient _api = null!;

    public SecretTests()
    {
        _secretValues = new()
        {
            ["slack"] = $"xoxb-slack-secret-{_suffix}",
            ["discord"] = $"discord-bot-secret-{_suffix}",
            ["telegram"] = $"123456:telegram-secret-{_suffix}",
            ["lark"] = $"lark-app-secret-{_suffix}",
            ["webhook"] = "whsec_" + Convert.ToBase64String(Encoding.UTF8.GetBytes($"webhook-secret-{_suffix}-padding!")),
            ["email"] = $"smtp-password-{_suffix}",
        };
        _smtp = new FakeSmtpServer("agentcron", _secretValues["email"]);
    }

    private string Variable(string name) => $"AGENTCRON_TEST_{name.ToUpperInvariant()}_{_suffix}";

    public async Task InitializeAsync()
    {
        foreach (var name in new[] { "slack", "discord", "lark" })
        {
            Environment.SetEnvironmentVariable(Variable(name), _secretValues[name]);
        }

        File.WriteAllText(_secrets.File("telegram.token"), _secretValues["telegram"]);
        File.WriteAllText(_secrets.File("webhook.secret"), _secretValues["webhook"]);
        File.WriteAllText(_secrets.File("smtp.password"), _secretValues["email"]);
        File.WriteAllText(_secrets.File("smtp.pem"), _smtp.Certificate.ExportCertificatePem());
        File.WriteAllText(_home.File("config.yaml"), $"""
            Channels:
              slack:
                Token: env:{Variable("slack")}
                ApiBase: {_platforms.Slack}
                To: C1
              discord:
                Token: env:{Variable("discord")}
                ApiBase: {_platforms.Discord}
                To: "111"
              telegram:
                Token: file:{_secrets.File("telegram.token")}
                ApiBase: {_platforms.Telegram}
                To: "-100"
              lark:
                AppId: cli_test
                AppSecret: env:{Variable("lark")}
                ApiBase: {_platforms.Lark}
                To: oc_1
              hook:
                Type: webhook
                Url: {_platforms.Hook}
                Secret: file:{_secrets.File("webhook.secret")}
              mail:
                Type: email
                Host: 127.0.0.1
                Port: {_smtp.Port}
                User: agentcron
                Password: file:{_secrets.File("smtp.password")}
                From: agentcron@example.com
                To: ops@example.com
                TrustedCertificate: {_secrets.File("smtp.pem")}
            Deliveries:
              MaxAttempts: 1
            """);
        _daemon = await TestDaemon.StartAsync(_home.Path, configure: services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(_log));
        _api = new ApiClient(_daemon.App.Address, _daemon.App.Token);
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _daemon.DisposeAsync();
        await _platforms.DisposeAsync();
        foreach (var name in new[] { "slack", "discord", "lark" })
        {
            Environment.SetEnvironmentVariable(Variable(name), null);
        }
    }

    public void Dispose()
    {
        _smtp.Dispose();
        _home.Dispose();
        _secrets.Dispose();
    }

    [Fact]
    public async Task NoSecret_AppearsInLogsAnswersTheStoreOrARun_WhenEveryChannelDeliversAndFails()
    {
        var answers = new StringBuilder();
        var files = string.Join(' ', SecretFiles.Select(_secrets.File));
        var task = await _api.CreateTaskAsync(new
        {
            instructions = "try to read the secrets",
            agent = new { command = $"sh -c 'env; cat {files} 2>&1; echo done'" },
            deliver = Channels,
        });

        // Platforms that refuse everything, then platforms that take it.
        _platforms.Answer = request => new FakeHttpReply(401, """{"ok": false, "error": "invalid_auth", "code": 99991663, "message": "401: Unauthorized"}""");
        var refused = await RunAsync(task.Id, answers);
        _platforms.Answer = null;
        var delivered = await RunAsync(task.Id, answers);

        Assert.All(refused.Deliveries!.Where(d => d.Target != "mail"), d => Assert.Equal("dead", d.Status));
        Assert.All(delivered.Deliveries!, d => Assert.Equal("delivered", d.Status));
        Assert.Equal(6, delivered.Deliveries!.Count);
        Assert.Contains("done", delivered.Output, StringComparison.Ordinal);
        Assert.Contains($"Bearer {_secretValues["slack"]}", _platforms.Requests.Select(r => r.Authorization));

        foreach (var channel in Channels)
        {
            answers.Append(await Text(HttpMethod.Post, $"/api/channels/{channel}/test"));
        }

        foreach (var path in new[] { "/api/channels", "/api/tasks", $"/api/tasks/{task.Id}", "/api/runs", "/api/deliveries", $"/api/runs/{refused.Id}/log", $"/api/runs/{delivered.Id}/log", "/api/health", "/openapi/v1.json", "/api/agents" })
        {
            answers.Append(await Text(HttpMethod.Get, path));
        }

        await _daemon.DisposeAsync();
        _daemon = await TestDaemon.StartAsync(_home.Path, configure: services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(_log));
        var logged = string.Join('\n', _log.Lines.Select(l => $"{l.Message} {l.Exception}"));
        var stored = string.Concat(Directory.EnumerateFiles(_home.Path, "agentcron.db*").Select(f => Encoding.Latin1.GetString(File.ReadAllBytes(f))));

        Assert.Contains("refused", answers.ToString(), StringComparison.Ordinal);
        Assert.Contains("Delivery", logged, StringComparison.Ordinal);
        foreach (var (name, secret) in _secretValues)
        {
            var secretPart = name == "webhook" ? secret["whsec_".Length..] : secret;
            Assert.False(answers.ToString().Contains(secretPart, StringComparison.Ordinal), $"the {name} secret is in an API answer");
            Assert.False(logged.Contains(secretPart, StringComparison.Ordinal), $"the {name} secret is in the daemon's log");
            Assert.False(stored.Contains(secretPart, StringComparison.Ordinal), $"the {name} secret is in the database");
        }
    }

    /// <summary>Runs the task now and waits until its run has ended and its deliveries are delivered or dead.</summary>
    private async Task<RunView> RunAsync(string taskId, StringBuilder answers)
    {
        var run = await _api.RunNowAsync(taskId);
        await _api.WaitForFinishAsync(run.Id);
        var settled = await Eventually.GetAsync(
            async () => await _api.GetRunAsync(run.Id) is { Deliveries: { Count: 6 } all } shown && all.All(d => d.Status != "pending") ? shown : null,
            TimeSpan.FromSeconds(60),
            "six deliveries to be delivered or dead");
        answers.Append(await Text(HttpMethod.Get, $"/api/runs/{run.Id}"));
        return settled;
    }

    private async Task<string> Text(HttpMethod method, string path)
    {
        using var response = await _api.SendAsync(method, path);
        Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
