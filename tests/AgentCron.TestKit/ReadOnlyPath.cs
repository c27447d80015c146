using System.Diagnostics;

namespace AgentCron.TestKit;

/// <summary>
/// Makes a file or directory read-only for this process until disposed. Taking the write bits away is enough for an
/// ordinary user; root writes through them, so as root the path is also made immutable (<c>chattr +i</c>, which needs
/// CAP_LINUX_IMMUTABLE and a file system that supports it; without either the test fails saying so).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ReadOnlyPath : IDisposable
{
    private const UnixFileMode WriteBits = UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
    private readonly string _path;
    private readonly UnixFileMode _mode;

    public ReadOnlyPath(string path)
    {
        _path = path;
        _mode = File.GetUnixFileMode(path);
        File.SetUnixFileMode(path, _mode & ~WriteBits);
        if (Environment.IsPrivilegedProcess)
        {
            Chattr("+i");
        }
    }

    public void Dispose()
    {
        if (Environment.IsPrivilegedProcess)
        {
            Chattr("-i");
        }

        File.SetUnixFileMode(_path, _mode);
    }

    private void Chattr(string flag)
    {
        var start = new ProcessStartInfo("chattr") { RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(flag);
        start.ArgumentList.Add(_path);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"running as root, the test needs 'chattr {flag} {_path}' to make a path read-only, and it failed: {error.Trim()}");
        }
    }
}
