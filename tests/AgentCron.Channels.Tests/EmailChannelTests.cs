using AgentCron.TestKit;

namespace AgentCron.Channels.Tests;

/// <summary>The e-mail channel through MailKit against a local SMTP server that offers STARTTLS with a certificate made for the test.</summary>
public sealed class EmailChannelTests : IDisposable
{
    private const string Password = "smtp-password-7";

    private readonly FakeSmtpServer _smtp = new("agentcron", Password);

    [Fact]
    public async Task SendAsync_SendsTextAndHtml_OverStartTls_AfterLoggingIn()
    {
        var result = Results.Succeeded with { Output = "deploy green <script>alert(1)</script>" };

        var sent = await Channel().SendAsync(result, "ops@example.com", CancellationToken.None);

        Assert.Equal(SendOutcome.Delivered, sent.Outcome);
        Assert.True(_smtp.UsedTls);
        Assert.Contains("<agentcron@example.com>", _smtp.From, StringComparison.Ordinal);
        Assert.Contains("<ops@example.com>", Assert.Single(_smtp.To), StringComparison.Ordinal);
        var data = _smtp.Data!;
        Assert.Contains("check the deploy", data, StringComparison.Ordinal);
        Assert.Contains("X-AgentCron-Run: run_1", data, StringComparison.Ordinal);
        Assert.Contains("Content-Type: text/plain", data, StringComparison.Ordinal);
        Assert.Contains("Content-Type: text/html", data, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_Fails_ForAPlaceThatIsNoAddress_WithoutTryingAgain()
    {
        var sent = await Channel().SendAsync(Results.Succeeded, "ops at example", CancellationToken.None);

        Assert.Equal((SendOutcome.Failed, "'ops at example' is not an e-mail address"), (sent.Outcome, sent.Error));
        Assert.Null(_smtp.Data);
    }

    [Fact]
    public async Task SendAsync_Fails_WhenTheServerRefusesTheRecipient()
    {
        var sent = await Channel().SendAsync(Results.Succeeded, "refused@example.com", CancellationToken.None);

        Assert.Equal(SendOutcome.Failed, sent.Outcome);
        Assert.Contains("550", sent.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_Fails_WithoutThePassword_WhenTheServerRefusesTheAccount()
    {
        var sent = await new EmailChannel(Options() with { Password = "wrong-password" }).SendAsync(Results.Succeeded, "ops@example.com", CancellationToken.None);

        Assert.Equal(SendOutcome.Failed, sent.Outcome);
        Assert.DoesNotContain("wrong-password", sent.Error, StringComparison.Ordinal);
        Assert.Null(_smtp.Data);
    }

    [Fact]
    public async Task SendAsync_NeverSendsInTheClear_WhenTheServerOffersNoStartTls()
    {
        using var plain = new FakeSmtpServer("agentcron", Password, offerTls: false);

        var sent = await new EmailChannel(Options() with { Port = plain.Port }).SendAsync(Results.Succeeded, "ops@example.com", CancellationToken.None);

        Assert.Equal(SendOutcome.Failed, sent.Outcome);
        Assert.Contains("STARTTLS", sent.Error, StringComparison.Ordinal);
        Assert.Null(plain.Data);
    }

    [Fact]
    public async Task SendAsync_TriesAgain_WhenNoServerListens()
    {
        var port = _smtp.Port;
        _smtp.Dispose();

        var sent = await new EmailChannel(Options() with { Port = port }).SendAsync(Results.Succeeded, "ops@example.com", CancellationToken.None);

        Assert.Equal(SendOutcome.Retry, sent.Outcome);
    }

    public void Dispose() => _smtp.Dispose();

    private EmailOptions Options() => new("127.0.0.1", _smtp.Port, "agentcron", Password, "agentcron@example.com", TimeSpan.FromSeconds(30))
    {
        CheckCertificate = (_, certificate, _, _) => certificate?.GetCertHashString() == _smtp.Certificate.GetCertHashString(),
    };

    private EmailChannel Channel() => new(Options());
}
