using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentCron.Bench;

/// <summary>
/// The file system a path lives on — type, device, mount point and options, from <c>/proc/self/mountinfo</c> — so every
/// result line says what its databases were written to: fsync on a virtio ext4 disk and on a tmpfs differ by orders of
/// magnitude. Unknown (null members) where there is no mountinfo.
/// </summary>
internal sealed partial record Storage(string Path, string? Type, string? Source, string? MountPoint, string? Options, long? FreeBytes)
{
    public static Storage Of(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        const string mountinfo = "/proc/self/mountinfo";
        if (!File.Exists(mountinfo))
        {
            return new Storage(full, null, null, null, null, null);
        }

        // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue": the mount point is the fifth
        // field (spaces escaped as \040); after the " - " come the type, the source and the super block's options.
        var best = File.ReadLines(mountinfo)
            .Select(line => line.Split(" - ", 2))
            .Where(parts => parts.Length == 2)
            .Select(parts => (Mount: Unescape(parts[0].Split(' ')[4]), Fields: parts[1].Split(' ')))
            .Where(m => IsUnder(full, m.Mount))
            .OrderByDescending(m => m.Mount.Length)
            .FirstOrDefault();
        if (best.Mount is null)
        {
            return new Storage(full, null, null, null, null, null);
        }

        long? free = null;
        try
        {
            free = new DriveInfo(best.Mount).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // Free space is a nice-to-have.
        }

        return new Storage(full, best.Fields[0], best.Fields.ElementAtOrDefault(1), best.Mount, best.Fields.ElementAtOrDefault(2), free);
    }

    public string Describe() => Type is null
        ? $"{Path} (file system unknown)"
        : $"{Path} on {Type} ({Source} at {MountPoint}, {Options})";

    public Dictionary<string, object?> ToJson() => new()
    {
        ["path"] = Path,
        ["fs_type"] = Type,
        ["source"] = Source,
        ["mount_point"] = MountPoint,
        ["options"] = Options,
        ["free_bytes"] = FreeBytes,
    };

    private static bool IsUnder(string path, string mount) =>
        mount == "/" || path == mount || path.StartsWith(mount + "/", StringComparison.Ordinal);

    private static string Unescape(string field) =>
        OctalEscape().Replace(field, m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString(CultureInfo.InvariantCulture));

    [GeneratedRegex(@"\\([0-7]{3})")]
    private static partial Regex OctalEscape();
}
