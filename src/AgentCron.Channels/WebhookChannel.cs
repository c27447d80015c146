using System.Globalization;
using System.Net.Http.Headers;
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
/// body is <c>{"type": "run.finished", "timestamp": …, "data": {…}}</c>. A 2xx answer delivers; 408, 429 and 5xx
/// answers, timeouts and connection errors are tried again (after the receiver's <c>Retry-After</c> if it sent one);
/// any other answer is final. Errors name the status or the failure, never the secret.
/// </summary>
public sealed class WebhookChannel(HttpClient http, WebhookOptions options, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly StandardWebhook _signer = new(options.Secret);

    public async Task<SendResult> SendAsync(RunResult result, string deliveryId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var body = JsonSerializer.Serialize(new { type = "run.finished", timestamp = now, data = result }, Json);
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", deliveryId);
        request.Headers.Add("webhook-timestamp", now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", _signer.Sign(deliveryId, now, body));

        using var deadline = new CancellationTokenSource(options.Timeout, time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new SendResult(SendOutcome.Delivered);
            }

            var error = $"the webhook answered {status} {response.ReasonPhrase}".TrimEnd();
            return status is 408 or 429 or >= 500
                ? new SendResult(SendOutcome.Retry, Error: error, RetryAfter: RetryAfter(response.Headers.RetryAfter, now))
                : new SendResult(SendOutcome.Failed, Error: error);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SendResult(SendOutcome.Retry, Error: $"the webhook did not answer within {options.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return new SendResult(SendOutcome.Retry, Error: $"could not reach the webhook: {ex.HttpRequestError}");
        }
    }

    /// <summary>The wait the receiver asked for, as a delay (a date in the past is no wait).</summary>
    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
        _ => null,
    };
}
