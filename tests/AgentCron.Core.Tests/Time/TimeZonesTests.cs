using AgentCron.Core.Time;
using static AgentCron.Core.Tests.Time.TestTime;

namespace AgentCron.Core.Tests.Time;

public class TimeZonesTests
{
    [Theory]
    [InlineData("Europe/Berlin", "Europe/Berlin")]
    [InlineData("America/New_York", "America/New_York")]
    [InlineData("europe/berlin", "Europe/Berlin")]
    [InlineData(" Asia/Shanghai ", "Asia/Shanghai")]
    [InlineData("UTC", "UTC")]
    [InlineData("utc", "UTC")]
    public void Resolve_ReturnsZone_WhenIdIsKnown(string id, string expected)
    {
        Assert.Equal(expected, TimeZones.Resolve(id, TimeZoneInfo.Utc, "tz").Id);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Resolve_ReturnsFallback_WhenIdIsBlank(string? id)
    {
        Assert.Equal(Berlin.Id, TimeZones.Resolve(id, Berlin, "tz").Id);
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("Berlin")]
    [InlineData("../../etc/passwd")]
    [InlineData("W. Europe Standard Time")]
    [InlineData("+01:00")]
    public void Resolve_ThrowsInvalidField_WhenIdIsUnknown(string id)
    {
        var error = Assert.Throws<InvalidFieldException>(() => TimeZones.Resolve(id, TimeZoneInfo.Utc, "tz"));
        Assert.Equal("tz", error.Field);
        Assert.Equal($"unknown time zone '{id}'; use an IANA name such as Europe/Berlin, America/New_York or UTC", error.Reason);
    }

    [Theory]
    [InlineData("America")]
    [InlineData("Europe")]
    [InlineData("Etc")]
    [InlineData("posix")]
    [InlineData("America/Argentina")]
    [InlineData("america")]
    public void Resolve_ThrowsInvalidField_WhenIdNamesAZoneinfoDirectory(string id)
    {
        var error = Assert.Throws<InvalidFieldException>(() => TimeZones.Resolve(id, TimeZoneInfo.Utc, "tz"));
        Assert.Equal("tz", error.Field);
        Assert.StartsWith($"unknown time zone '{id}'", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ToInstant_ReturnsTransitionInstant_WhenLocalTimeIsInSpringGap()
    {
        // 2026-03-29 02:00-03:00 does not exist in Berlin; the clock jumps from 02:00 CET to 03:00 CEST (01:00Z).
        Assert.True(TimeZones.IsSkipped(Wall("2026-03-29 02:30"), Berlin));
        Assert.Equal(I("2026-03-29T01:00Z"), TimeZones.ToInstant(Wall("2026-03-29 02:30"), Berlin));
        Assert.Equal(I("2026-03-29T01:00Z"), TimeZones.ToInstant(Wall("2026-03-29 02:00"), Berlin));
        Assert.Equal(I("2026-03-29T01:00Z"), TimeZones.ToInstant(Wall("2026-03-29 02:59:59"), Berlin));
        Assert.Equal(TimeSpan.FromHours(2), TimeZones.ToInstant(Wall("2026-03-29 02:30"), Berlin).Offset);
        // New York: 2026-03-08 02:00 EST -> 03:00 EDT at 07:00Z.
        Assert.Equal(I("2026-03-08T07:00Z"), TimeZones.ToInstant(Wall("2026-03-08 02:30"), NewYork));
    }

    [Fact]
    public void ToInstant_ReturnsEarlierInstant_WhenLocalTimeIsRepeated()
    {
        Assert.True(TimeZones.IsRepeated(Wall("2026-10-25 02:30"), Berlin));
        Assert.Equal(I("2026-10-25T02:30+02:00"), TimeZones.ToInstant(Wall("2026-10-25 02:30"), Berlin));
        Assert.Equal(I("2026-11-01T01:30-04:00"), TimeZones.ToInstant(Wall("2026-11-01 01:30"), NewYork));
    }

    [Fact]
    public void ToInstant_ReturnsPlainInstant_WhenLocalTimeIsOrdinary()
    {
        Assert.False(TimeZones.IsSkipped(Wall("2026-07-01 12:00"), Berlin));
        Assert.False(TimeZones.IsRepeated(Wall("2026-07-01 12:00"), Berlin));
        Assert.Equal(I("2026-07-01T12:00+02:00"), TimeZones.ToInstant(Wall("2026-07-01 12:00"), Berlin));
        Assert.Equal(I("2026-03-29T03:00+02:00"), TimeZones.ToInstant(Wall("2026-03-29 03:00"), Berlin));
        Assert.Equal(I("2026-10-25T03:00+01:00"), TimeZones.ToInstant(Wall("2026-10-25 03:00"), Berlin));
    }

    [Fact]
    public void ToInstants_ReturnsBothInstantsEarlierFirst_WhenLocalTimeIsRepeated()
    {
        var instants = TimeZones.ToInstants(Wall("2026-11-01 01:30"), NewYork);
        Assert.Equal([I("2026-11-01T05:30Z"), I("2026-11-01T06:30Z")], instants);
        Assert.Equal(TimeSpan.FromHours(-4), instants[0].Offset);
        Assert.Equal(TimeSpan.FromHours(-5), instants[1].Offset);
    }

    [Fact]
    public void ToInstants_ReturnsOneInstant_WhenLocalTimeIsOrdinaryOrSkipped()
    {
        Assert.Equal([I("2026-07-01T10:00Z")], TimeZones.ToInstants(Wall("2026-07-01 12:00"), Berlin));
        Assert.Equal([I("2026-03-29T01:00Z")], TimeZones.ToInstants(Wall("2026-03-29 02:15"), Berlin));
    }

    [Fact]
    public void ToInstant_IgnoresKind_WhenWallClockIsMarkedUtc()
    {
        var wall = DateTime.SpecifyKind(Wall("2026-07-01 12:00"), DateTimeKind.Utc);
        Assert.Equal(I("2026-07-01T12:00+02:00"), TimeZones.ToInstant(wall, Berlin));
    }
}
