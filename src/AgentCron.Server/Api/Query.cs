using AgentCron.Core;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Server.Api;

/// <summary>Query-string parameters, validated with the parameter named in the error.</summary>
internal static class Query
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static int Limit(string? limit) => Number(limit, "limit", 1, MaxLimit) is { } value ? (int)value : DefaultLimit;

    /// <summary>An optional whole number in [min, max]; the parameter is named when it is not one.</summary>
    public static long? Number(string? text, string field, long min, long max)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new InvalidFieldException(field, $"'{text}' is not allowed; use a whole number from {min} to {max}");
    }

    /// <summary>A page cursor: the id of the last item of the previous page.</summary>
    public static string? Cursor(string? cursor, string idPrefix) =>
        string.IsNullOrEmpty(cursor) || Ids.IsValid(idPrefix, cursor)
            ? cursor
            : throw new InvalidFieldException("cursor", $"'{cursor}' is not a cursor; pass the nextCursor of the previous page");

    /// <summary>A task list's filters as the API and the web UI take them (an agent by any of its names).</summary>
    public static TaskQuery Tasks(RunnerRegistry runners, string? status, string? agent, string? thread, string? search, string? cursor, int limit) => new(
        Enum<TaskState>(status, "status"),
        Cursor(cursor, "t"),
        limit,
        string.IsNullOrWhiteSpace(agent) ? null : runners.Resolve(agent, "agent").Provider,
        string.IsNullOrWhiteSpace(thread) ? null : thread.Trim(),
        string.IsNullOrWhiteSpace(search) ? null : search.Trim());

    public static T? Enum<T>(string? text, string field)
        where T : struct, System.Enum => string.IsNullOrWhiteSpace(text) ? null : EnumText.Parse<T>(text, field);
}
