using System.Security.Cryptography;
using AgentCron.Core;

namespace AgentCron.Server.Hosting;

/// <summary>
/// A secret kept in a file of the data directory (the API token, the run-token key): generated on first start with mode
/// 0600, then reused. Daemons starting at the same moment on one home agree on one secret: the file is created
/// exclusively (O_CREAT|O_EXCL), and whoever finds it already there reads it. A file that other users may read, or that
/// holds no secret, is refused (<see cref="StartupCheckException"/>) rather than trusted or silently replaced.
/// </summary>
public static class TokenFile
{
    /// <summary>Secrets shorter than this are refused.</summary>
    public const int MinLength = 32;

    /// <summary>How long an empty file is given to be filled by the daemon that has just created it.</summary>
    public static readonly TimeSpan WriterPatience = TimeSpan.FromSeconds(5);

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The secret in <paramref name="path"/>; a new one if there is no such file.</summary>
    public static string LoadOrCreate(string path) => LoadOrCreate(path, WriterPatience);

    /// <summary>
    /// The secret in <paramref name="path"/>; a new one if there is no such file. An empty file is read again for up to
    /// <paramref name="writerPatience"/>, since the daemon that created it may not have written it yet.
    /// </summary>
    public static string LoadOrCreate(string path, TimeSpan writerPatience)
    {
        var token = "act_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        // FileMode.CreateNew is O_CREAT|O_EXCL: of daemons starting together exactly one creates the file.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        try
        {
            using var stream = new FileStream(path, options);
            Write(stream, path, token);
            return token;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && File.Exists(path))
        {
            return Read(path, writerPatience);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupCheckException($"cannot create '{path}': {ex.Message}", ex);
        }
    }

    private static void Write(FileStream stream, string path, string token)
    {
        try
        {
            // One write of the whole line: a reader sees the file empty or complete, never half of the token.
            stream.Write(System.Text.Encoding.ASCII.GetBytes(token + "\n"));
            stream.Flush(flushToDisk: true);
        }
        catch (IOException ex)
        {
            // Left behind, an empty file would stop every later start (a full disk, say): take it away again.
            stream.Dispose();
            File.Delete(path);
            throw new StartupCheckException($"cannot write '{path}': {ex.Message}", ex);
        }
    }

    private static string Read(string path, TimeSpan writerPatience)
    {
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & Others) != 0)
        {
            throw new StartupCheckException(
                $"'{path}' may be read by other users (mode {Convert.ToString((int)File.GetUnixFileMode(path), 8).PadLeft(4, '0')}); "
                + $"it must be 0600. Run 'chmod 600 {path}' to keep it (anyone who read it can still use it), or delete it to have a new one made");
        }

        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var text = File.ReadAllText(path);
            var secret = text.Trim();
            if (secret.Length >= MinLength)
            {
                return secret;
            }

            // Empty: its creator may be between creating and writing it. Anything else short is not a token.
            if (text.Length > 0 || TimeProvider.System.GetElapsedTime(started) >= writerPatience)
            {
                throw new StartupCheckException($"'{path}' holds no usable secret ({secret.Length} characters, at least {MinLength} expected); delete it to have a new one made");
            }

            Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System).Wait();
        }
    }
}
