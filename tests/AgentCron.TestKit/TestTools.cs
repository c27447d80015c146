namespace AgentCron.TestKit;

/// <summary>
/// Where the tools that ./test.sh installs live: npm packages in <c>&lt;repo&gt;/.tools/npm</c> (pinned; the real agent
/// CLIs and croner). A test that needs one fails, naming what to run, when it is missing — it never skips silently.
/// </summary>
public static class TestTools
{
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentCron.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no AgentCron.slnx above {AppContext.BaseDirectory}");
    }

    /// <summary>A file under <c>.tools/npm/node_modules</c>, which must exist.</summary>
    public static string Npm(string relativePath)
    {
        var path = Path.Combine(RepoRoot(), ".tools", "npm", "node_modules", relativePath);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is missing; run ./test.sh once (it installs the test tools into .tools/npm)", path);
    }

    /// <summary>An installed command-line tool from <c>.tools/npm/node_modules/.bin</c> (e.g. <c>claude</c>).</summary>
    public static string NpmBin(string name) => Npm(Path.Combine(".bin", name));
}
