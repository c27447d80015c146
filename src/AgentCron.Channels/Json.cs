using System.Net.Http.Json;
using System.Text.Json;

namespace AgentCron.Channels;

/// <summary>Reading a platform's JSON answers.</summary>
internal static class Json
{
    /// <summary>The answer's JSON body; null when it has none or it is not JSON (a proxy's error page).</summary>
    public static async Task<JsonElement?> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
