using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentCron.Client;

/// <summary>The API's JSON conventions (camelCase, nulls left out) and the indented form <c>--json</c> prints.</summary>
public static class Json
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    // Output is for terminals and pipes, not HTML: keep '+', '<', '&' and non-ASCII text readable.
    private static readonly JsonSerializerOptions CompactOptions = new(Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonSerializerOptions IndentedOptions = new(CompactOptions) { WriteIndented = true };

    /// <summary>Re-indents a JSON value for people, keeping every member the daemon sent.</summary>
    public static string Indented(JsonElement value) => JsonSerializer.Serialize(value, IndentedOptions);

    /// <summary>Serializes a value with the API's conventions, indented.</summary>
    public static string Indented<T>(T value) => JsonSerializer.Serialize(value, IndentedOptions);

    /// <summary>One line of JSON (JSON Lines), for streams.</summary>
    public static string Compact(JsonElement value) => JsonSerializer.Serialize(value, CompactOptions);
}
