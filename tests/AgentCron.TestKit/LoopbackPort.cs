using System.Net;
using System.Net.Sockets;

namespace AgentCron.TestKit;

/// <summary>Free TCP ports on the loopback interface, for servers the tests and benchmarks start.</summary>
public static class LoopbackPort
{
    /// <summary>A port nothing listens on right now (the kernel's choice for an ephemeral bind).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
