namespace AgentCron.Channels;

/// <summary>
/// How a chat channel posts a message in chunks: one request per chunk, in order, from the chunk a previous try stopped
/// at (<see cref="ChunkCursor"/>, told after each chunk); the first message's id (the platform's) goes to the requests
/// after it (a thread to post into, a message to reply to). The channel builds each request and reads each answer; a try
/// that stops part way says how far it got.
/// </summary>
internal static class ChunkedPost
{
    /// <summary>What a channel made of one answer: the message's id, or why it was not taken (<c>Refused</c>).</summary>
    public readonly record struct Answer(string? Id, SendResult? Refused);

    public static async Task<SendResult> SendAsync(
        IReadOnlyList<string> chunks,
        ChunkCursor cursor,
        Func<string, string?, HttpRequestMessage> request,
        Func<HttpResponseMessage, CancellationToken, Task<Answer>> read,
        ChannelHttp http,
        CancellationToken cancellationToken)
    {
        var first = cursor.FirstId;
        for (var i = cursor.Sent; i < chunks.Count; i++)
        {
            using var message = request(chunks[i], first);
            var (response, failure) = await HttpTry.SendAsync(http.Client, message, http.Timeout, http.Time, http.Receiver, cancellationToken);
            using (response)
            {
                if (failure is not null)
                {
                    return failure with { RemoteId = first, ChunksSent = i };
                }

                var answer = await read(response!, cancellationToken);
                if (answer.Refused is { } refused)
                {
                    return refused with { RemoteId = first, ChunksSent = i };
                }

                first ??= answer.Id;
            }

            if (cursor.Taken is { } taken && i + 1 < chunks.Count)
            {
                await taken(new ChunkCursor(i + 1, first));
            }
        }

        return new SendResult(SendOutcome.Delivered, first, ChunksSent: chunks.Count);
    }
}

/// <summary>A channel's HTTP side: the client, how long to wait for an answer, the engine's clock, and the receiver's name for errors.</summary>
internal sealed record ChannelHttp(HttpClient Client, TimeSpan Timeout, TimeProvider Time, string Receiver)
{
    /// <summary>
    /// Asks the platform something that posts nothing (who am I): healthy when it answers 2xx and <paramref name="problem"/>
    /// finds nothing wrong in the body.
    /// </summary>
    public async Task<ChannelHealth> CheckAsync(HttpRequestMessage request, Func<System.Text.Json.JsonElement?, string?> problem, CancellationToken cancellationToken)
    {
        using (request)
        {
            var (response, failure) = await HttpTry.SendAsync(Client, request, Timeout, Time, Receiver, cancellationToken);
            using (response)
            {
                if (failure?.Error is { } unreachable)
                {
                    return ChannelHealth.Failing(unreachable);
                }

                if (!response!.IsSuccessStatusCode)
                {
                    return ChannelHealth.Failing(HttpTry.Failed(response, Receiver, Time.GetUtcNow()).Error!);
                }

                return problem(await Json.ReadAsync(response, cancellationToken)) is { } wrong ? ChannelHealth.Failing(wrong) : ChannelHealth.Ok;
            }
        }
    }
}
