namespace Kabigate.Cli.Rendering;

/// <summary>CRCs as the kernel tools print them: <c>0x%08x</c>.</summary>
internal static class Hex
{
    public static string Crc(uint crc) => $"0x{crc:x8}";

    public static string? Crc(uint? crc) => crc is uint c ? Crc(c) : null;
}
