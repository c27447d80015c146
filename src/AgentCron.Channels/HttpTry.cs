using System.Net.Http.Headers;

namespace AgentCron.Channels;

/// <summary>
/// One HTTP request of a channel, with what every channel makes of its answer: a timeout on the engine's clock, timeouts
/// and connection errors to try again, 408, 429 and 5xx answers to try again after the receiver's <c>Retry-After</c>,
/// any other failure final. Errors name the receiver and the status, never a token.
/// </summary>
internal static class HttpTry
{
    /// <summary>The answer to <paramref name="request"/>, or why there is none (a retry); the caller disposes the answer.</summary>
    public static async Task<(HttpResponseMessage? Response, SendResult? Failure)> SendAsync(
        HttpClient http, HttpRequestMessage request, TimeSpan timeout, TimeProvider time, string receiver, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var response = await http.SendAsync(request, linked.Token);
            return (response, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, new SendResult(SendOutcome.Retry, Error: $"{receiver} did not answer within {timeout.TotalSeconds:0.#} s"));
        }
        catch (HttpRequestException ex)
        {
            return (null, new SendResult(SendOutcome.Retry, Error: $"could not reach {receiver}: {ex.HttpRequestError}"));
        }
    }

    /// <summary>What a failed answer means: try again (408, 429, 5xx; after <paramref name="retryAfter"/> or the <c>Retry-After</c> header) or give up.</summary>
    public static SendResult Failed(HttpResponseMessage response, string receiver, DateTimeOffset now, TimeSpan? retryAfter = null)
    {
        var status = (int)response.StatusCode;
        var error = $"{receiver} answered {status} {response.ReasonPhrase}".TrimEnd();
        return status is 408 or 429 or >= 500
            ? new SendResult(SendOutcome.Retry, Error: error, RetryAfter: retryAfter ?? RetryAfter(response.Headers.RetryAfter, now))
            : new SendResult(SendOutcome.Failed, Error: error);
    }

    /// <summary>The wait the receiver asked for, as a delay (a date in the past is no wait).</summary>
    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
        _ => null,
    };
}
