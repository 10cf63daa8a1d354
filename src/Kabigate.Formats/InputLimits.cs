namespace Kabigate.Formats;

/// <summary>
/// The most any reader holds of one input, whatever the input claims. Each cap is ten to a thousand times the largest
/// real input known, and small enough that a hostile input stays far below the 512 MB a run may take. Exceeding one is
/// a <see cref="ModuleFormatException"/> naming the input and the cap (exit 2). The README's "Limits" section lists them.
/// </summary>
public static class InputLimits
{
    /// <summary>
    /// The most one module may hold decompressed: 128 MiB. The largest distribution module (amdgpu.ko) is about
    /// 20 MiB; a .ko.zst of zeros must not grow a buffer beyond this.
    /// </summary>
    public const long MaxModuleBytes = 128L << 20;

    /// <summary>
    /// How much of one module every parallel read may hold without waiting: 16 MiB (nearly every module is smaller).
    /// A module that grows beyond it waits until no other read is beyond it, so parallel reads hold at most one
    /// <see cref="MaxModuleBytes"/> buffer plus this much per thread.
    /// </summary>
    public const long ModuleSharedBytes = 16L << 20;

    /// <summary>The most a symvers file may decompress to: 64 MiB (Debian's 6.1 file is 1.7 MB).</summary>
    public const long MaxSymversBytes = 64L << 20;

    /// <summary>
    /// The longest text line accepted in symvers, stablelists, severities and /proc/modules: 64 KiB. A symvers row is a
    /// CRC, a symbol, a module path and two short words; the kernel caps a symbol name at 512 bytes.
    /// </summary>
    public const int MaxLineBytes = 64 << 10;

    /// <summary>The largest stablelist, severities or kernel config file: 64 MiB (RHEL's stablelists are under 200 KB, a config 300 KB).</summary>
    public const long MaxTextFileBytes = 64L << 20;

    /// <summary>The largest /proc/modules (or a file given in its place): 16 MiB (a few thousand short lines).</summary>
    public const long MaxProcModulesBytes = 16L << 20;

    /// <summary>The largest policy file: 1 MiB (a policy is a page or two of TOML).</summary>
    public const long MaxPolicyBytes = 1L << 20;

    /// <summary>The deepest nesting of arrays and inline tables in a policy: 32 (a policy needs 1).</summary>
    public const int MaxPolicyDepth = 32;

    /// <summary>
    /// The most waivers, or severity rules, one policy may have: 10,000 (real policies have tens). Counted before the TOML
    /// is parsed, whose parser takes seconds for tens of thousands of tables.
    /// </summary>
    public const int MaxPolicyEntries = 10_000;

    /// <summary>
    /// The longest run of XML between two markup brackets (<c>&lt;</c> or <c>&gt;</c>): 1 MiB. This bounds a text node
    /// and a whole tag with its attributes. A package description, the longest text in primary.xml, is a few KB.
    /// </summary>
    public const int MaxXmlTokenBytes = 1 << 20;

    /// <summary>
    /// The most dependency entries (provides, requires and conflicts together) of one package in primary.xml: 256 Ki.
    /// A kernel package provides about 25,000.
    /// </summary>
    public const int MaxDependenciesPerPackage = 256 << 10;

    /// <summary>The most packages in one primary.xml: 4 Mi (Fedora's largest repository has about 80,000).</summary>
    public const int MaxPackagesPerDocument = 4 << 20;

    /// <summary>
    /// The most dependency entries in one primary.xml: 256 Mi (a repository of every RHEL 9 kernel build has about
    /// 10 Mi).
    /// </summary>
    public const long MaxDependenciesPerDocument = 256L << 20;

    /// <summary>
    /// The most a kernel image's (vmlinuz) compressed payload may expand to: 192 MiB. A distribution vmlinux with
    /// its symbol tables is 30 to 70 MiB.
    /// </summary>
    public const long MaxKernelImageBytes = 192L << 20;

    /// <summary>
    /// The most an installer's initramfs may decompress to: 2 GiB, streamed (only its modules are held, each under
    /// <see cref="MaxModuleBytes"/>). Debian 12's graphical netboot initrd.gz is 73 MB and holds 229 MB.
    /// </summary>
    public const long MaxInitrdBytes = 2L << 30;

    /// <summary>
    /// How many times its compressed size an initramfs may expand to (below <see cref="MaxInitrdBytes"/>): 64. Real ones
    /// expand about 3 times (gzip, kernel modules) or barely (xz around modules that are already .ko.xz).
    /// </summary>
    public const int MaxInitrdExpansion = 64;

    /// <summary>The most entries one initramfs may hold: 1 Mi (Debian's netboot initrds hold 2,387 and 3,800).</summary>
    public const int MaxInitrdEntries = 1 << 20;
}
