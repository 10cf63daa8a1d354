using System.Security.Cryptography;
using System.Text;

namespace Kabigate.Tests.Support;

/// <summary>
/// kabigate's own RPM and .deb, built by packaging/build-packages.sh (native AOT publish, rpmbuild, dpkg-deb) once per
/// source: cached under DATA/self-packages/&lt;hash of the sources and the version&gt;, so a test run builds them at
/// most once, and not at all when nothing that goes into them changed. Older builds are removed.
/// <c>KABIGATE_TEST_SELF_PACKAGES=DIR</c> tests packages built already instead.
/// </summary>
internal sealed class SelfPackages
{
    /// <summary>The tools building the packages needs (besides dotnet).</summary>
    public static readonly string[] BuildTools = ["git", "rpmbuild", "rpmsign", "gpg", "dpkg-deb", "dpkg-shlibdeps", "gzip", "md5sum"];

    /// <summary>The throwaway gpg key the test build signs the RPM with (a release signs with the maintainers').</summary>
    public const string SigningKey = "kabigate test signing <test@kabigate.invalid>";

    private static readonly Lazy<SelfPackages> Shared = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    private SelfPackages(string directory)
    {
        Directory = directory;
        Versions = File.ReadAllLines(Path.Combine(directory, "versions.env"))
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        Rpm = System.IO.Directory.EnumerateFiles(directory, "kabigate-*.rpm").Single();
        Deb = System.IO.Directory.EnumerateFiles(directory, "kabigate_*.deb").Single();
    }

    public static SelfPackages Instance => Shared.Value;

    public string Directory { get; }

    /// <summary>The .rpm.</summary>
    public string Rpm { get; }

    /// <summary>The .deb.</summary>
    public string Deb { get; }

    /// <summary>The public key of <see cref="SigningKey"/>, armored.</summary>
    public string SigningPublicKey => Path.Combine(Directory, "signing-key.asc");

    /// <summary>versions.env: VERSION (what --version prints), RPM_VERSION, RPM_RELEASE, DEB_VERSION.</summary>
    public IReadOnlyDictionary<string, string> Versions { get; }

    private static SelfPackages Build()
    {
        // Packages built already (build-packages.sh --out DIR --sign KEY, and DIR/signing-key.asc): tested as they are.
        if (Environment.GetEnvironmentVariable("KABIGATE_TEST_SELF_PACKAGES") is { Length: > 0 } prebuilt)
            return new SelfPackages(prebuilt);
        var top = SourceTree.Root;
        var version = Tools.RunOk("bash", Path.Combine(top, "packaging", "version.sh")).Trim();
        var cache = Path.Combine(RealData.DataRoot, "self-packages");
        var key = SourceHash(top, version);
        var directory = Path.Combine(cache, key);
        if (!File.Exists(Path.Combine(directory, "versions.env")))
        {
            System.IO.Directory.CreateDirectory(cache);
            var building = directory + ".building-" + Environment.ProcessId;
            var gnupg = Path.Combine(cache, ".gnupg");
            var environment = new Dictionary<string, string> { ["GNUPGHOME"] = gnupg };
            if (!System.IO.Directory.Exists(gnupg))
            {
                Tools.RunOk("mkdir", "-p", "-m", "700", gnupg);
                Tools.RunBytes("gpg", ["--batch", "--passphrase", "", "--quick-gen-key", SigningKey, "rsa2048", "sign", "never"], environment: environment);
            }
            var (exit, stdout, stderr) = Tools.Execute("bash", [Path.Combine(top, "packaging", "build-packages.sh"), "--out", building, "--sign", SigningKey], environment: environment);
            if (exit != 0)
                throw new InvalidOperationException($"packaging/build-packages.sh exited {exit}: {Encoding.UTF8.GetString(stdout)}{stderr}");
            File.WriteAllBytes(Path.Combine(building, "signing-key.asc"), Tools.RunBytes("gpg", ["--armor", "--export", SigningKey], environment: environment));
            Tools.Execute("gpgconf", ["--kill", "gpg-agent"], environment: environment); // the agent signing started
            foreach (var old in System.IO.Directory.EnumerateDirectories(cache).Where(d => d != building && d != gnupg))
                System.IO.Directory.Delete(old, recursive: true);
            System.IO.Directory.Move(building, directory);
        }

        return new SelfPackages(directory);
    }

    /// <summary>The sources that go into the packages (src/, packaging/, the docs shipped, the build settings) and the version.</summary>
    private static string SourceHash(string top, string version)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(version + "\n"));
        var files = new[] { "src", "packaging" }
            .SelectMany(d => System.IO.Directory.EnumerateFiles(Path.Combine(top, d), "*", SearchOption.AllDirectories))
            .Concat(new[] { "README.md", "docs/kabigate.md", "Directory.Build.props", "global.json" }.Select(f => Path.Combine(top, f)).Where(File.Exists))
            .Select(f => Path.GetRelativePath(top, f))
            .Where(f => !f.Split('/').Any(part => part is "bin" or "obj" or "__pycache__"))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(file + "\n"));
            hash.AppendData(File.ReadAllBytes(Path.Combine(top, file)));
        }

        return Convert.ToHexString(hash.GetHashAndReset())[..16].ToLowerInvariant();
    }
}
