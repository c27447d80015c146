namespace AgentCron.TestKit;

/// <summary>
/// A fresh directory under the system temp folder, deleted on dispose — with the <c>PATH-work</c> folder beside it, where a
/// daemon whose data directory this is makes its tasks' working folders.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("agentcron-test-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes an executable script (e.g. a stand-in for an agent CLI) and returns its path.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public string Script(string name, string text)
    {
        var path = File(name);
        System.IO.File.WriteAllText(path, text);
        System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public void Dispose()
    {
        foreach (var directory in new[] { Path, Path + "-work" }.Where(Directory.Exists))
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A process of the test may still hold a file; the OS cleans temp eventually.
            }
        }
    }
}
