using System.Diagnostics;
using AgentCron.Agents.Command;
using AgentCron.Core.Processes;

namespace AgentCron.Agents.Processes;

/// <summary>
/// The bubblewrap (<c>bwrap</c>) command line of a <see cref="RunSandbox"/>, and finding a bubblewrap that works here.
/// </summary>
public static class Bubblewrap
{
    /// <summary>
    /// The user and group a run has inside the sandbox when the daemon is root (<c>nobody</c>, mapped to root outside, so
    /// its files still belong to root): a root without capabilities could not start a sandbox of its own (Codex does),
    /// and with capabilities it could unmount what hides the data directory.
    /// </summary>
    private const string UnprivilegedId = "65534";

    private static readonly TimeSpan ProbeLimit = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Finds <paramref name="executable"/> (a path or a name on PATH; <c>bwrap</c> when empty) and checks that it can
    /// start a sandbox here. Where it cannot, processes are refused, or run unconfined if <paramref name="allowUnsandboxed"/>.
    /// </summary>
    public static RunSandbox Detect(string? executable, bool allowUnsandboxed, IEnumerable<string> hiddenDirectories, IEnumerable<string> hiddenFiles)
    {
        var name = string.IsNullOrWhiteSpace(executable) ? "bwrap" : executable;
        if (Executables.Find(name, Environment.CurrentDirectory) is not { } program)
        {
            return RunSandbox.Without(
                $"bubblewrap is not installed: '{name}' is not an executable file or on PATH; install it with '{RunSandbox.InstallCommand}', or set Sandbox:Executable to its path",
                allowUnsandboxed,
                hiddenDirectories,
                hiddenFiles);
        }

        var sandbox = RunSandbox.Bubblewrap(program, hiddenDirectories, hiddenFiles);
        return Probe(sandbox) is { } problem
            ? RunSandbox.Without($"bubblewrap ({program}) cannot start a sandbox here: {problem}", allowUnsandboxed, hiddenDirectories, hiddenFiles)
            : sandbox;
    }

    /// <summary>
    /// The arguments of <see cref="RunSandbox.Executable"/> that run <paramref name="program"/> with <paramref name="args"/>
    /// in <paramref name="workingDirectory"/> inside the sandbox.
    /// </summary>
    public static IReadOnlyList<string> Arguments(RunSandbox sandbox, string workingDirectory, string program, IEnumerable<string> args)
    {
        // A user namespace of its own and no capabilities, so nothing inside can undo the mounts below; a PID namespace
        // with a fresh /proc, so the daemon (its environ, its open database, its root) is not there to look at, and
        // whatever a run leaves behind dies with the namespace's init — which stays in the process group AgentProcess
        // kills. The network is shared: agents talk to model APIs and to the daemon's API with their run token.
        List<string> argv = ["--unshare-user"];
        if (Environment.IsPrivilegedProcess)
        {
            argv.AddRange(["--uid", UnprivilegedId, "--gid", UnprivilegedId]);
        }

        argv.AddRange(["--unshare-pid", "--dev-bind", "/", "/", "--proc", "/proc", "--cap-drop", "ALL"]);

        // Only paths that exist: bubblewrap would create a missing mount point on the real file system.
        foreach (var directory in sandbox.HiddenDirectories.Where(Directory.Exists))
        {
            argv.AddRange(["--tmpfs", directory, "--remount-ro", directory]);
        }

        foreach (var file in sandbox.HiddenFiles.Where(File.Exists))
        {
            argv.AddRange(["--ro-bind", "/dev/null", file]);
        }

        argv.AddRange(["--chdir", workingDirectory, "--", program]);
        argv.AddRange(args);
        return argv;
    }

    /// <summary>Starts <c>true</c> in <paramref name="sandbox"/>; returns what went wrong, or null if it ran.</summary>
    private static string? Probe(RunSandbox sandbox)
    {
        var start = new ProcessStartInfo(sandbox.Executable!) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in Arguments(sandbox, "/", "true", []))
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(ProbeLimit))
            {
                process.Kill(entireProcessTree: true);
                return $"it did not finish starting 'true' within {ProbeLimit.TotalSeconds:0} s";
            }

            process.WaitForExit(); // to the end of stderr

            return process.ExitCode == 0
                ? null
                : $"{stderr.Result.Trim()} (exit code {process.ExitCode}; bubblewrap needs user namespaces, which this kernel or container may not allow)";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return ex.Message;
        }
    }
}
