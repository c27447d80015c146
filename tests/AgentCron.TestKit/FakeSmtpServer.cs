using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace AgentCron.TestKit;

/// <summary>
/// An SMTP server on loopback that speaks enough of RFC 5321 for a client to send one message: EHLO, STARTTLS (with a
/// self-signed certificate made for the test), AUTH PLAIN against one account, MAIL, RCPT (a recipient with "refused"
/// in it is refused), DATA, QUIT. It serves one session after another and records what it received.
/// </summary>
public sealed class FakeSmtpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task _serving;

    public FakeSmtpServer(string user, string password, bool offerTls = true)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var created = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddDays(1));
        Certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
        User = user;
        Password = password;
        OfferTls = offerTls;
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public X509Certificate2 Certificate { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public bool UsedTls { get; private set; }

    public string? From { get; private set; }

    public List<string> To { get; } = [];

    public string? Data { get; private set; }

    private string User { get; }

    private string Password { get; }

    private bool OfferTls { get; }

    public void Dispose()
    {
        _listener.Stop();
        _serving.Wait(TimeSpan.FromSeconds(10));
        Certificate.Dispose();
    }

    private async Task ServeAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                // Stopped (a test that stops it before any client came too).
                return;
            }

            using (client)
            {
                await SessionAsync(client);
            }
        }
    }

    private async Task SessionAsync(TcpClient client)
    {
        try
        {
            Stream stream = client.GetStream();
            var secured = false;
            var (reader, writer) = Talk(stream);
            await writer.WriteAsync("220 localhost ESMTP test\r\n");
            while (await reader.ReadLineAsync() is { } line)
            {
                var verb = line.Split(' ')[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteAsync(secured ? "250-localhost\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n" : OfferTls ? "250-localhost\r\n250 STARTTLS\r\n" : "250 localhost\r\n");
                        break;
                    case "STARTTLS":
                        await writer.WriteAsync("220 2.0.0 ready\r\n");
                        var tls = new SslStream(stream);
                        await tls.AuthenticateAsServerAsync(Certificate);
                        stream = tls;
                        (reader, writer) = Talk(stream);
                        secured = true;
                        UsedTls = true;
                        break;
                    case "AUTH":
                        var plain = Encoding.UTF8.GetString(Convert.FromBase64String(line.Split(' ')[2])).Split('\0');
                        await writer.WriteAsync(plain[1] == User && plain[2] == Password ? "235 2.7.0 accepted\r\n" : "535 5.7.8 authentication failed\r\n");
                        break;
                    case "MAIL":
                        From = line;
                        await writer.WriteAsync("250 2.1.0 ok\r\n");
                        break;
                    case "RCPT":
                        var refused = line.Contains("refused", StringComparison.Ordinal);
                        if (!refused)
                        {
                            To.Add(line);
                        }

                        await writer.WriteAsync(refused ? "550 5.1.1 no such user\r\n" : "250 2.1.5 ok\r\n");
                        break;
                    case "DATA":
                        await writer.WriteAsync("354 go ahead\r\n");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync() is { } body && body != ".")
                        {
                            data.Append(body).Append('\n');
                        }

                        Data = data.ToString();
                        await writer.WriteAsync("250 2.0.0 queued\r\n");
                        break;
                    case "QUIT":
                        await writer.WriteAsync("221 2.0.0 bye\r\n");
                        return;
                    default:
                        await writer.WriteAsync("250 2.0.0 ok\r\n");
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The client went away (a test of a refusal): nothing more to record.
        }
    }

    private static (StreamReader Reader, StreamWriter Writer) Talk(Stream stream) =>
        (new StreamReader(stream, Encoding.UTF8, false, 1024, leaveOpen: true), new StreamWriter(stream, new UTF8Encoding(false), 1024, leaveOpen: true) { AutoFlush = true, NewLine = "\r\n" });
}
