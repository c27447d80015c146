using System.Net.Security;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace AgentCron.Channels;

/// <summary>
/// An SMTP server to send through: host and port, the account (none for a relay that needs no login), the sender, and
/// how long to wait. <see cref="CheckCertificate"/> replaces the system's check of the server's certificate (tests pin
/// their own); null keeps the system's.
/// </summary>
public sealed record EmailOptions(string Host, int Port, string? User, string? Password, string From, TimeSpan Timeout)
{
    public RemoteCertificateValidationCallback? CheckCertificate { get; init; }
}

/// <summary>
/// Sends a run's result as an e-mail through SMTP with STARTTLS (never in the clear: a server that does not offer it is a
/// failure), as text and as HTML in one message: the subject names the task and whether the run succeeded; the text part
/// is the result's Markdown, the HTML part the same text escaped in a <c>&lt;pre&gt;</c> (agent output is never markup).
/// Connection and protocol errors and 4xx answers are tried again; 5xx answers (a refused recipient, bad credentials)
/// are final. Errors never carry the password.
/// </summary>
public sealed class EmailChannel(EmailOptions options)
{
    public async Task<SendResult> SendAsync(RunResult result, string to, CancellationToken cancellationToken)
    {
        if (!MailboxAddress.TryParse(to, out var recipient))
        {
            return new SendResult(SendOutcome.Failed, Error: $"'{to}' is not an e-mail address");
        }

        var text = ResultMessage.Markdown(result);
        var message = new MimeMessage
        {
            Subject = ResultMessage.Headline(result),
            Body = new BodyBuilder
            {
                TextBody = text,
                HtmlBody = $"<!doctype html><html><body><pre style=\"white-space: pre-wrap\">{System.Net.WebUtility.HtmlEncode(text)}</pre></body></html>",
            }.ToMessageBody(),
        };
        message.From.Add(MailboxAddress.Parse(options.From));
        message.To.Add(recipient);
        message.Headers.Add("X-AgentCron-Run", result.RunId);

        return await SessionAsync(
            async (smtp, ct) =>
            {
                await smtp.SendAsync(message, ct);
                return new SendResult(SendOutcome.Delivered, message.MessageId, ChunksSent: 1);
            },
            cancellationToken);
    }

    /// <summary>Connects with STARTTLS and logs in, sending nothing: whether the server and the account work.</summary>
    public async Task<ChannelHealth> CheckAsync(CancellationToken cancellationToken)
    {
        var session = await SessionAsync((_, _) => Task.FromResult(new SendResult(SendOutcome.Delivered)), cancellationToken);
        return session.Outcome == SendOutcome.Delivered ? ChannelHealth.Ok : ChannelHealth.Failing(session.Error ?? "unknown");
    }

    /// <summary>One SMTP session: connect with STARTTLS, log in where there is an account, <paramref name="work"/>, quit; what fails as a try's outcome.</summary>
    private async Task<SendResult> SessionAsync(Func<SmtpClient, CancellationToken, Task<SendResult>> work, CancellationToken cancellationToken)
    {
        using var smtp = new SmtpClient { Timeout = (int)options.Timeout.TotalMilliseconds };
        if (options.CheckCertificate is { } check)
        {
            smtp.ServerCertificateValidationCallback = check;
        }

        try
        {
            await smtp.ConnectAsync(options.Host, options.Port, SecureSocketOptions.StartTls, cancellationToken);
            if (options.User is { } user)
            {
                await smtp.AuthenticateAsync(user, options.Password ?? "", cancellationToken);
            }

            var done = await work(smtp, cancellationToken);
            await smtp.DisconnectAsync(quit: true, cancellationToken);
            return done;
        }
        catch (SmtpCommandException ex)
        {
            return new SendResult((int)ex.StatusCode >= 500 ? SendOutcome.Failed : SendOutcome.Retry, Error: $"the mail server answered {(int)ex.StatusCode}: {ex.Message}");
        }
        catch (NotSupportedException)
        {
            return new SendResult(SendOutcome.Failed, Error: "the mail server does not offer STARTTLS, and mail is never sent in the clear");
        }
        catch (AuthenticationException)
        {
            return new SendResult(SendOutcome.Failed, Error: "the mail server refused the account's user name or password");
        }
        catch (Exception ex) when (ex is SmtpProtocolException or ServiceNotConnectedException or IOException or System.Net.Sockets.SocketException or SslHandshakeException or TimeoutException)
        {
            return new SendResult(SendOutcome.Retry, Error: $"could not send through the mail server: {ex.Message}");
        }
    }
}
