namespace Kabigate.Server;

/// <summary>The entry point of <c>kabigate serve</c>.</summary>
public static class Program
{
    /// <summary>Runs the service until it is stopped; 2 when its configuration or arguments are bad.</summary>
    public static int Main(string[] args) => ServerHost.Run(args);
}
