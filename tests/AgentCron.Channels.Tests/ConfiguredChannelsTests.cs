using System.Text.Json;
using AgentCron.Core;

namespace AgentCron.Channels.Tests;

/// <summary>Channels made from their config.yaml settings, as the daemon makes them, and their health checks against each platform's API.</summary>
public sealed class ConfiguredChannelsTests : ChannelTest
{
    private const string Token = "xoxb-configured-secret";

    private static readonly Func<string, string?, string?> Plain = (_, reference) => reference;

    [Theory]
    [InlineData("slack", true, true)]
    [InlineData("discord", true, false)]
    [InlineData("telegram", true, false)]
    [InlineData("lark", true, true)]
    [InlineData("webhook", false, false)]
    [InlineData("email", true, false)]
    public void Create_MakesEachType_WithWhatTheOutboxNeedsToKnow(string type, bool takesPlace, bool startsThreads)
    {
        var channel = Create(type, Full(type));

        Assert.Equal((type, type, takesPlace, startsThreads), (channel.Name, channel.Type, channel.TakesPlace, channel.StartsThreads));
        Assert.Equal(type == "webhook" ? null : "default-place", channel.DefaultTo);
    }

    [Theory]
    [InlineData("slack", "Token")]
    [InlineData("discord", "Token")]
    [InlineData("telegram", "Token")]
    [InlineData("lark", "AppId")]
    [InlineData("lark", "AppSecret")]
    [InlineData("webhook", "Url")]
    [InlineData("webhook", "Secret")]
    [InlineData("email", "Host")]
    [InlineData("email", "From")]
    [InlineData("email", "Password")]
    public void Create_RefusesAChannelWithoutARequiredSetting_NamingItsKey(string type, string missing)
    {
        var settings = Without(Full(type), missing);

        var error = Assert.Throws<InvalidFieldException>(() => Create("ops", settings with { Type = type }));

        Assert.Equal($"Channels:ops:{missing}", error.Field);
        Assert.Contains($"a {type} channel needs", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Ops", "slack", "Channels:Ops", "lower-case")]
    [InlineData("ops", "sms", "Channels:ops:Type", "slack, discord, telegram, lark, webhook, email")]
    public void Create_RefusesAnUnusableNameOrType(string name, string type, string field, string hint)
    {
        var error = Assert.Throws<InvalidFieldException>(() => Create(name, Full("slack") with { Type = type }));

        Assert.Equal(field, error.Field);
        Assert.Contains(hint, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_OfASlackChannel_StartsAThread_AndATryThatGoesOnPostsIntoTheFirstChunksThread()
    {
        var channel = Create("team", Full("slack") with { ApiBase = Api.Url });
        Api.Answer(200, """{"ok": true, "ts": "17.9"}""");
        Api.Answer(200, """{"ok": true, "ts": "17.2"}""");

        var sent = await channel.SendAsync(new OutgoingMessage("d_1", Results.Succeeded, "C9", null, ChunkCursor.Start), CancellationToken.None);
        var resumed = await channel.SendAsync(new OutgoingMessage("d_2", Results.Succeeded, "C9", null, new ChunkCursor(0, "17.1")), CancellationToken.None);

        Assert.Equal((SendOutcome.Delivered, "17.9"), (sent.Outcome, sent.RemoteId));
        Assert.Equal(SendOutcome.Delivered, resumed.Outcome);
        var bodies = Api.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.False(bodies[0].TryGetProperty("thread_ts", out _));
        Assert.Equal(("C9", "17.1"), (bodies[1].GetProperty("channel").GetString(), bodies[1].GetProperty("thread_ts").GetString()));
        Assert.All(Api.Requests, r => Assert.Equal($"Bearer {Token}", r.Headers["Authorization"]));
    }

    [Theory]
    [InlineData("slack", """{"ok": true, "user_id": "U1"}""", 200, "ok", "/api/auth.test")]
    [InlineData("slack", """{"ok": false, "error": "invalid_auth"}""", 200, "failing", "/api/auth.test")]
    [InlineData("discord", """{"id": "1", "username": "agentcron"}""", 200, "ok", "/api/users/@me")]
    [InlineData("discord", """{"message": "401: Unauthorized"}""", 401, "failing", "/api/users/@me")]
    [InlineData("telegram", """{"ok": true, "result": {"id": 1}}""", 200, "ok", "/api/bot" + Token + "/getMe")]
    [InlineData("telegram", """{"ok": false}""", 401, "failing", "/api/bot" + Token + "/getMe")]
    [InlineData("lark", """{"code": 0, "tenant_access_token": "t-1", "expire": 7200}""", 200, "ok", "/api/open-apis/auth/v3/tenant_access_token/internal")]
    [InlineData("lark", """{"code": 10014, "msg": "app secret invalid"}""", 200, "failing", "/api/open-apis/auth/v3/tenant_access_token/internal")]
    public async Task CheckAsync_AsksThePlatformWhoTheBotIs_PostingNothing(string type, string answer, int status, string health, string path)
    {
        Api.Answer(status, answer);

        var checkedHealth = await Create(type, Full(type) with { ApiBase = Api.Url }).CheckAsync(CancellationToken.None);

        Assert.Equal(health, checkedHealth.Status);
        Assert.Equal(path, Assert.Single(Api.Requests).PathAndQuery);
        Assert.Equal(health == "ok", checkedHealth.Problem is null);
        Assert.DoesNotContain(Token, checkedHealth.Problem ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_OfAWebhook_SaysItCannotBeCheckedWithoutPosting()
    {
        var health = await Create("hook", Full("webhook") with { Url = new Uri(Api.Url, "hook") }).CheckAsync(CancellationToken.None);

        Assert.Equal("unchecked", health.Status);
        Assert.Contains("agentcron channels test hook", health.Problem, StringComparison.Ordinal);
        Assert.Empty(Api.Requests);
    }

    [Fact]
    public async Task CheckAsync_OfAnEmailChannel_LogsInOverStartTls_TrustingTheConfiguredCertificate()
    {
        using var smtp = new AgentCron.TestKit.FakeSmtpServer("agentcron", "smtp-password");
        using var directory = new AgentCron.TestKit.TempDirectory();
        var pem = directory.File("smtp.pem");
        await File.WriteAllTextAsync(pem, smtp.Certificate.ExportCertificatePem());
        var settings = Full("email") with { Host = "127.0.0.1", Port = smtp.Port, TrustedCertificate = pem };

        var good = await Create("mail", settings with { Password = "smtp-password" }).CheckAsync(CancellationToken.None);
        var refused = await Create("mail", settings with { Password = "wrong-password" }).CheckAsync(CancellationToken.None);
        var untrusted = await Create("mail", settings with { Password = "smtp-password", TrustedCertificate = null }).CheckAsync(CancellationToken.None);

        Assert.Equal(("ok", "failing", "failing"), (good.Status, refused.Status, untrusted.Status));
        Assert.DoesNotContain("wrong-password", refused.Problem, StringComparison.Ordinal);
        Assert.True(smtp.UsedTls);
        Assert.Null(smtp.Data);
    }

    [Fact]
    public void Markdown_OfAnAlert_SaysWhatIsWrongWithTheTask_AndTheLastRunsError()
    {
        var alert = Results.Succeeded with { Status = "failed", Error = "exit 3: deploy script missing", Alert = "failed 3 runs in a row" };

        Assert.Equal(
            "⚠️ **check the deploy** failed 3 runs in a row (last run `run_1`: failed)\n\nexit 3: deploy script missing\n\nhttps://agentcron.example/runs/run_1",
            ResultMessage.Markdown(alert));
        Assert.Equal("⚠️ check the deploy — failed 3 runs in a row", ResultMessage.Headline(alert));
    }

    private IDeliveryChannel Create(string name, ChannelSettings settings) => ConfiguredChannels.Create(name, settings, Plain, Http, Time);

    /// <summary>Every setting <paramref name="type"/> needs (and a default place), secrets given as they are.</summary>
    private static ChannelSettings Full(string type) => type switch
    {
        "lark" => new() { Type = type, AppId = "cli_1", AppSecret = "lark-secret", To = "default-place" },
        "webhook" => new() { Type = type, Url = new Uri("https://hooks.example/agentcron"), Secret = "whsec_" + Convert.ToBase64String(new byte[24]) },
        "email" => new() { Type = type, Host = "smtp.example", User = "agentcron", Password = "smtp-password", From = "agentcron@example.com", To = "default-place" },
        _ => new() { Type = type, Token = Token, To = "default-place" },
    };

    private static ChannelSettings Without(ChannelSettings settings, string member) => member switch
    {
        "Token" => settings with { Token = null },
        "AppId" => settings with { AppId = null },
        "AppSecret" => settings with { AppSecret = null },
        "Url" => settings with { Url = null },
        "Secret" => settings with { Secret = null },
        "Host" => settings with { Host = null },
        "From" => settings with { From = null },
        _ => settings with { Password = null },
    };
}
