using Kabigate.Formats;
using Kabigate.Formats.Recipes;

namespace Kabigate.Tests.Formats.Recipes;

public class DkmsConfReaderTests
{
    // Debian's vpoll-dkms 0.1-3, /usr/src/vpoll-0.1/dkms.conf, as shipped.
    private const string Vpoll = """
        PACKAGE_NAME="vpoll"
        PACKAGE_VERSION="0.1"
        BUILT_MODULE_NAME[0]="$PACKAGE_NAME"
        DEST_MODULE_LOCATION[0]="/extra"
        AUTOINSTALL="YES"
        MAKE[0]="make -C ${kernel_source_dir} M=${dkms_tree}/${PACKAGE_NAME}/${PACKAGE_VERSION}/build"
        CLEAN="make -C ${kernel_source_dir} M=${dkms_tree}/${PACKAGE_NAME}/${PACKAGE_VERSION}/build clean"
        """;

    [Fact]
    public void RealVpoll_ExpandsTheModuleName_AndKeepsMakeForTheShell()
    {
        var conf = DkmsConfReader.Parse(Vpoll, "dkms.conf");
        Assert.Equal(("vpoll", "0.1"), (conf.PackageName, conf.PackageVersion));
        Assert.Equal([new DkmsModule("vpoll", "", "/extra")], conf.Modules);
        Assert.Equal("make -C ${kernel_source_dir} M=${dkms_tree}/${PACKAGE_NAME}/${PACKAGE_VERSION}/build", conf.MakeFor("6.1.0-56-amd64"));
        Assert.Null(conf.Excludes("6.1.0-56-amd64", "x86_64", null));
    }

    [Fact]
    public void ArraysMatchesAndExclusions()
    {
        var conf = DkmsConfReader.Parse("""
            PACKAGE_NAME=pkg   # bare value, comment
            PACKAGE_VERSION='1.$x'
            BUILT_MODULE_NAME[0]=one.ko
            BUILT_MODULE_LOCATION[0]=src/
            BUILT_MODULE_NAME[1]="two"
            MAKE[0]="make KVER=$kernelver"
            MAKE[1]="make OLD=1"
            MAKE_MATCH[1]="^5\."
            PATCH[0]="fix.patch"
            PATCH_MATCH[0]="^6\.1\."
            BUILD_EXCLUSIVE_KERNEL="^6\."
            BUILD_EXCLUSIVE_ARCH="x86_64"
            BUILD_EXCLUSIVE_CONFIG="CONFIG_ACPI !CONFIG_FOO"
            """, "dkms.conf");
        Assert.Equal("1.$x", conf.PackageVersion);
        Assert.Equal([new DkmsModule("one", "src", null), new DkmsModule("two", "", null)], conf.Modules);
        Assert.Equal("make OLD=1", conf.MakeFor("5.10.0-1-amd64"));
        Assert.Equal("make KVER=$kernelver", conf.MakeFor("6.1.0-56-amd64"));
        Assert.Equal(["fix.patch"], conf.PatchesFor("6.1.0-56-amd64"));
        Assert.Empty(conf.PatchesFor("6.12.117+deb12-amd64"));
        Assert.Equal("BUILD_EXCLUSIVE_KERNEL '^6\\.' does not match '5.10.0-1-amd64'", conf.Excludes("5.10.0-1-amd64", "x86_64", null));
        Assert.Equal("BUILD_EXCLUSIVE_ARCH 'x86_64' does not match 'aarch64'", conf.Excludes("6.1.0-56-amd64", "aarch64", null));
        Assert.Equal("BUILD_EXCLUSIVE_CONFIG 'CONFIG_ACPI' is not met by the kernel's .config", conf.Excludes("6.1.0-56-amd64", "x86_64", new HashSet<string>()));
        Assert.Equal("BUILD_EXCLUSIVE_CONFIG '!CONFIG_FOO' is not met by the kernel's .config", conf.Excludes("6.1.0-56-amd64", "x86_64", new HashSet<string> { "CONFIG_ACPI", "CONFIG_FOO" }));
        Assert.Null(conf.Excludes("6.1.0-56-amd64", "x86_64", new HashSet<string> { "CONFIG_ACPI" }));
    }

    [Theory]
    [InlineData("rm -rf /", "dkms.conf:1: 'rm' is not an assignment: kabigate reads dkms.conf's NAME=value lines and never runs it | rm -rf /")]
    [InlineData("if [ -n x ]; then", "dkms.conf:1: 'if' is not an assignment: kabigate reads dkms.conf's NAME=value lines and never runs it | if [ -n x ]; then")]
    [InlineData("PACKAGE_NAME=x; touch /tmp/p", "dkms.conf:1: ';' outside quotes makes this line a shell command, not an assignment | PACKAGE_NAME=x; touch /tmp/p")]
    [InlineData("PACKAGE_NAME=x touch", "dkms.conf:1: more after the value: a command, not an assignment | PACKAGE_NAME=x touch")]
    [InlineData("PACKAGE_NAME=\"x", "dkms.conf:1: unterminated quote (a value spanning lines is not read) | PACKAGE_NAME=\"x")]
    [InlineData("PACKAGE_NAME=$(id)", "dkms.conf:1: '(' outside quotes makes this line a shell command, not an assignment | PACKAGE_NAME=$(id)")]
    [InlineData("PACKAGE_NAME=\"$(id)\"\nPACKAGE_VERSION=1\nBUILT_MODULE_NAME[0]=m", "dkms.conf:1: a command substitution is not expanded: kabigate does not run dkms.conf")]
    [InlineData("PACKAGE_NAME=\"$HOME\"\nPACKAGE_VERSION=1\nBUILT_MODULE_NAME[0]=m", "dkms.conf:1: variable 'HOME' is not set in dkms.conf (only its own assignments are expanded here)")]
    [InlineData("PACKAGE_NAME=a\nPACKAGE_VERSION=1", "dkms.conf: BUILT_MODULE_NAME[] is not set: no module to build")]
    [InlineData("PACKAGE_VERSION=1\nBUILT_MODULE_NAME[0]=m", "dkms.conf: PACKAGE_NAME is not set")]
    [InlineData("PACKAGE_NAME=a\nPACKAGE_VERSION=1\nBUILT_MODULE_NAME[0]=../m", "dkms.conf:3: BUILT_MODULE_NAME[0] '../m' is not a module name")]
    [InlineData("PACKAGE_NAME=a\nPACKAGE_VERSION=1\nBUILT_MODULE_NAME[0]=m\nBUILT_MODULE_LOCATION[0]=../../etc", "dkms.conf: BUILT_MODULE_LOCATION[0] '../../etc' leaves the build tree")]
    [InlineData("PACKAGE_NAME=a\nPACKAGE_VERSION=1\nBUILT_MODULE_NAME[0]=m\nPATCH[0]=../x.patch", "dkms.conf: PATCH[0] '../x.patch' is not a file name in patches/")]
    [InlineData("BUILT_MODULE_NAME[99999]=m", "dkms.conf:1: array index 99999 is over 1023 | BUILT_MODULE_NAME[99999]=m")]
    [InlineData("A=$B\nB=$A\nPACKAGE_NAME=$A\nPACKAGE_VERSION=1\nBUILT_MODULE_NAME[0]=m", "dkms.conf:3: '$A' still has a '$' after expansion")]
    public void Malformed_IsOneLineError(string text, string message)
    {
        var e = Assert.Throws<ModuleFormatException>(() => DkmsConfReader.Parse(text, "dkms.conf"));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Malformed_BadExclusiveRegex_IsOneLineError()
    {
        var conf = DkmsConfReader.Parse("PACKAGE_NAME=a\nPACKAGE_VERSION=1\nBUILT_MODULE_NAME[0]=m\nBUILD_EXCLUSIVE_KERNEL=\"([\"", "dkms.conf");
        var e = Assert.Throws<ModuleFormatException>(() => conf.Excludes("6.1.0-56-amd64", "x86_64", null));
        Assert.StartsWith("dkms.conf: BUILD_EXCLUSIVE_KERNEL '([' is not a regular expression kabigate can read: ", e.Message);
    }

    [Fact]
    public void Recipes_ReadKindsPathsAndRefuseUnknownKeys()
    {
        var recipes = RecipesReader.Parse("""
            [[recipe]]
            name = "stable"
            kind = "kbuild"
            path = "kg_stable"
            make_args = ["V=1"]

            [[recipe]]
            path = "apt:vpoll-dkms"
            """, "recipes.toml", "/base");
        Assert.Equal(new RecipeEntry("stable", RecipeKind.Kbuild, "/base/kg_stable", [], ["V=1"], "recipes.toml:1"), recipes[0] with { MakeArguments = ["V=1"] }, new RecipeComparer());
        Assert.Equal(("vpoll", RecipeKind.Dkms, "apt:vpoll-dkms"), (recipes[1].Name, recipes[1].Kind, recipes[1].Path));
        var e = Assert.Throws<ModuleFormatException>(() => RecipesReader.Parse("[[recipe]]\npath = \"x\"\nscript = \"rm\"", "r.toml", "/"));
        Assert.Equal("r.toml:3: unknown recipe key 'script' (known: name, kind, path, modules, make_args)", e.Message);
        e = Assert.Throws<ModuleFormatException>(() => RecipesReader.Parse("[[recipe]]\npath = \"/a\"\nname = \"x\"\n[[recipe]]\npath = \"/b\"\nname = \"x\"", "r.toml", "/"));
        Assert.Equal("r.toml: recipe 'x' is registered twice (r.toml:1, r.toml:4)", e.Message);
    }

    [Fact]
    public void KbuildObjM()
    {
        Assert.Equal(["a", "b", "c"], KbuildModules.Parse("obj-m += a.o b.o\n# obj-m += x.o\nobj-m := c.o\nobj-$(CONFIG_X) += d.o\nobj-m += $(NAME).o sub/e.o"));
    }

    private sealed class RecipeComparer : IEqualityComparer<RecipeEntry>
    {
        public bool Equals(RecipeEntry? x, RecipeEntry? y) => x is not null && y is not null && x.Name == y.Name && x.Kind == y.Kind && x.Path == y.Path
            && x.Modules.SequenceEqual(y.Modules) && x.MakeArguments.SequenceEqual(y.MakeArguments) && x.Origin == y.Origin;

        public int GetHashCode(RecipeEntry obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
    }
}
