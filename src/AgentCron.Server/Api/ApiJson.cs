using System.Text.Json;
using System.Text.Json.Serialization;
using AgentCron.Core;

namespace AgentCron.Server.Api;

/// <summary>JSON conventions of the API: camelCase, nulls left out, unknown members in a request rejected by name.</summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = Create();

    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.PropertyNameCaseInsensitive = true;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
    }

    /// <summary>Reads a request body; malformed JSON or a wrong member becomes a 400 naming the member.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, Options, cancellationToken)
                ?? throw new InvalidFieldException("body", "is empty; send a JSON object");
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            var reason = ex.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? "is not a known member (see the OpenAPI document at /openapi/v1.json)"
                : $"is not valid JSON of the expected type ({ex.Message.Split(". Path:")[0]})";
            throw new InvalidFieldException(field, reason);
        }
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(options);
        return options;
    }
}
