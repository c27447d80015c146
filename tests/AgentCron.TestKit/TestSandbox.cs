using AgentCron.Core.Processes;

namespace AgentCron.TestKit;

/// <summary>Sandboxes for tests that build runs by hand, as the daemon would.</summary>
public static class TestSandbox
{
    private static readonly Lazy<RunSandbox> Found = new(() => Agents.Processes.Bubblewrap.Detect(null, allowUnsandboxed: false, [], []));

    /// <summary>For runners that start no process (the engine tests' runners, the OpenAI runner): nothing to confine.</summary>
    public static RunSandbox None { get; } = RunSandbox.Without("the test's runner starts no process", allowUnsandboxed: true, [], []);

    /// <summary>
    /// The real bubblewrap sandbox, found as the daemon finds it (./test.sh installs it), hiding <paramref name="hiddenDirectories"/>.
    /// A test that needs it fails, saying why, when bubblewrap cannot be used here — it never runs unsandboxed silently.
    /// </summary>
    public static RunSandbox Bubblewrap(params string[] hiddenDirectories) => Found.Value.Status == SandboxStatus.On
        ? RunSandbox.Bubblewrap(Found.Value.Executable!, hiddenDirectories, [])
        : throw new InvalidOperationException(Found.Value.Note);
}
