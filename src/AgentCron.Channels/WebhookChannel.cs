using System.Globalization;
using System.Text;
using System.Text.Json;
using StandardWebhooks;

namespace AgentCron.Channels;

/// <summary>A webhook target: where to POST, the signing secret (<c>whsec_</c> and base64, as Standard Webhooks writes it) and how long to wait for an answer.</summary>
public sealed record WebhookOptions(Uri Url, string Secret, TimeSpan Timeout);

/// <summary>
/// Delivers a run's result as a JSON POST signed the Standard Webhooks way: headers <c>webhook-id</c> (the delivery's
/// id, the same on every try, so a receiver can drop repeats), <c>webhook-timestamp</c> (Unix seconds) and
/// <c>webhook-signature</c> (<c>v1,</c> and the base64 HMAC-SHA256 of <c>id.timestamp.body</c> under the secret). The
/// body is <c>{"type": "run.finished", "timestamp": …, "data": {…}}</c>. A 2xx answer delivers; the rest as
/// <see cref="HttpTry"/> says.
/// </summary>
public sealed class WebhookChannel(HttpClient http, WebhookOptions options, TimeProvider time)
{
    private const string Receiver = "the webhook";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly StandardWebhook _signer = new(options.Secret);

    public async Task<SendResult> SendAsync(RunResult result, string deliveryId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var body = JsonSerializer.Serialize(new { type = result.Alert is null ? "run.finished" : "task.alert", timestamp = now, data = result }, Json);
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", deliveryId);
        request.Headers.Add("webhook-timestamp", now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", _signer.Sign(deliveryId, now, body));

        var (response, failure) = await HttpTry.SendAsync(http, request, options.Timeout, time, Receiver, cancellationToken);
        using (response)
        {
            return failure ?? (response!.IsSuccessStatusCode ? new SendResult(SendOutcome.Delivered) : HttpTry.Failed(response, Receiver, now));
        }
    }
}
