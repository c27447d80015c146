using AgentCron.Core;
using AgentCron.Core.Model;

namespace AgentCron.Server.Api;

/// <summary>Query-string parameters, validated with the parameter named in the error.</summary>
internal static class Query
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static int Limit(int? limit) => limit switch
    {
        null => DefaultLimit,
        >= 1 and <= MaxLimit => limit.Value,
        _ => throw new InvalidFieldException("limit", $"{limit} is out of range; use 1 to {MaxLimit}"),
    };

    public static T? Enum<T>(string? text, string field)
        where T : struct, System.Enum => string.IsNullOrWhiteSpace(text) ? null : EnumText.Parse<T>(text, field);
}
