using System.Globalization;
using AgentCron.Core.Time;

namespace AgentCron.Core.Tests.Time;

/// <summary>Short helpers so test data reads like the ISO text it is.</summary>
internal static class TestTime
{
    /// <summary>Parses ISO 8601 with an offset or Z (no offset means UTC).</summary>
    public static DateTimeOffset I(string iso) =>
        DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>A wall-clock time, <c>yyyy-MM-dd HH:mm[:ss]</c>.</summary>
    public static DateTime Wall(string text) =>
        DateTime.ParseExact(text, ["yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None);

    public static TimeZoneInfo Zone(string id) => TimeZones.Resolve(id, TimeZoneInfo.Utc, "tz");

    public static TimeZoneInfo Berlin => Zone("Europe/Berlin");

    public static TimeZoneInfo NewYork => Zone("America/New_York");

    public static TimeZoneInfo Shanghai => Zone("Asia/Shanghai");
}
