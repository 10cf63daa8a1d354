using Kabigate.Abi;
using Kabigate.Formats;
using Kabigate.Formats.Elf;
using Kabigate.Tests.Formats;
using Kabigate.Tests.Support;

namespace Kabigate.Tests.Abi;

/// <summary>
/// The loader rules of kernels after 6.1 (docs/newer-kernels.md), on synthetic ELF modules that ElfBuilder writes and
/// the real reader reads: extended modversions (6.14), module-only exports (6.16/6.17), __kflagstab export flags.
/// Each asserts the kernel's own words.
/// </summary>
public class NewerLoaderRulesTests
{
    private const string Rel612 = "6.12.117+deb12-amd64";
    private const string Rel614 = "6.14.2-1-amd64";
    private const string Rel615 = "6.15.1-1-amd64";
    private const string Rel616 = "6.16.3-1-amd64";
    private const string Rel617 = "6.17.8-1-amd64";
    private const string MagicTail = " SMP preempt mod_unload modversions ";

    private static KernelAbi Kernel(string release, IEnumerable<KernelExport>? more = null, bool? flagsTable = null) =>
        new(release, [new KernelExport("_printk", 0x92997ed8, "vmlinux", ExportKind.Plain, null), .. more ?? []], "test", release + MagicTail,
            loader: new LoaderConfig(ForceLoad: false, AllowMissingNamespaceImports: false))
        { UsesExportFlagsTable = flagsTable };

    private static ModuleImage Read(ElfBuilder builder, string name) => ElfModuleReader.Read(builder.Build(), name + ".ko");

    private static ElfBuilder Builder(string name, string builtFor = Rel614, List<(string, uint)>? basic = null, List<(string, uint)>? extended = null,
        string[]? imports = null, string[]? importNs = null) => new()
        {
            Modinfo = [("license", "GPL"), ("name", name), ("vermagic", builtFor + MagicTail), .. (importNs ?? []).Select(ns => ("import_ns", ns))],
            Undefined = [.. (imports ?? ["_printk"]).Select(s => (s, false))],
            Versions = basic,
            ExtendedVersions = extended,
        };

    private static Verdict One(KernelAbi kernel, params ModuleImage[] modules) => CompatibilityEngine.Check([kernel], modules)[0, 0];

    private static string[] Messages(IEnumerable<Problem> problems) => [.. problems.Select(p => p.Message)];

    [Fact]
    public void ExtendedOnly_OnNewKernel_CrcsCheckedFromTheExtendedTables()
    {
        var good = Read(Builder("ext_good", extended: [("_printk", 0x92997ed8)]), "ext_good");
        var bad = Read(Builder("ext_bad", extended: [("_printk", 0x11111111)]), "ext_bad");
        Assert.Equal(ModversionTables.Extended, good.VersionTables);
        Assert.True(One(Kernel(Rel614), good).Loads);
        var verdict = One(Kernel(Rel614), bad);
        Assert.Equal(["ext_bad: disagrees about version of symbol _printk"], Messages(verdict.Problems));
        Assert.Equal(ProblemKind.CrcMismatch, verdict.Problems[0].Kind);
    }

    [Fact]
    public void ExtendedOnly_VermagicComparedInFull_BecauseCheckModinfoLooksAtVersionsOnly()
    {
        // check_modinfo passes info->index.vers (the __versions section) as has_crcs: without it the release counts.
        var module = Read(Builder("ext_only", builtFor: "6.14.1-1-amd64", extended: [("_printk", 0x92997ed8)]), "ext_only");
        var verdict = One(Kernel(Rel614), module);
        Assert.Equal([$"ext_only: version magic '6.14.1-1-amd64{MagicTail}' should be '{Rel614}{MagicTail}'"], Messages(verdict.Problems));
        var withBasic = Read(Builder("both", builtFor: "6.14.1-1-amd64", basic: [("_printk", 0x92997ed8)], extended: [("_printk", 0x92997ed8)]), "both");
        Assert.True(One(Kernel(Rel614), withBasic).Loads);
    }

    [Fact]
    public void ExtendedOnly_OnKernelBefore614_HasNoModversions()
    {
        // 6.12 does not know __version_ext_*: versindex is 0, so try_to_force_load decides (no CONFIG_MODULE_FORCE_LOAD here).
        var module = Read(Builder("ext_only", builtFor: Rel612, extended: [("_printk", 0x92997ed8)]), "ext_only");
        var verdict = One(Kernel(Rel612), module);
        Assert.Equal(ProblemKind.NoModversions, Assert.Single(verdict.Problems).Kind);
        Assert.StartsWith("ext_only: no modversions for _printk", verdict.Problems[0].Message);
    }

    [Fact]
    public void BothTables_NewKernelReliesOnExtended_OldKernelOnBasic()
    {
        var module = Read(Builder("both", builtFor: Rel612, basic: [("_printk", 0x92997ed8)], extended: [("_printk", 0x22222222)]), "both");
        Assert.True(One(Kernel(Rel612), module).Loads);
        Assert.Equal(["both: disagrees about version of symbol _printk"], Messages(One(Kernel(Rel614), module).Problems));
    }

    [Fact]
    public void Extended_MissingEntry_WarnsNoExtendedSymbolVersion()
    {
        var module = Read(Builder("ext_gap", imports: ["_printk", "kfree"], extended: [("_printk", 0x92997ed8)]), "ext_gap");
        var verdict = One(Kernel(Rel614, [new KernelExport("kfree", 0x037a0cba, "vmlinux", ExportKind.Plain, null)]), module);
        Assert.True(verdict.Loads);
        Assert.Equal(["ext_gap: no extended symbol version for kfree"], Messages(verdict.Warnings));
    }

    [Fact]
    public void Extended_LongNamesBeyondVersionsEntries_AreMatched()
    {
        var longName = "rust_symbol_" + new string('x', 80);
        var module = Read(Builder("rusty", imports: [longName], extended: [(longName, 0xabcdef01)]), "rusty");
        var kernel = Kernel(Rel614, [new KernelExport(longName, 0xabcdef01, "vmlinux", ExportKind.Gpl, null)]);
        Assert.True(One(kernel, module).Loads);
    }

    [Fact]
    public void Extended_SpareNamesAndTrailingCrcBytes_AreIgnoredAsTheKernelDoes()
    {
        var image = Builder("spare", extended: [("_printk", 0x92997ed8)]).Build();
        var module = ElfModuleReader.Read(AppendToSection(image, "__version_ext_names", "unused\0"u8.ToArray()), "spare.ko");
        Assert.Equal([new SymbolVersion("_printk", 0x92997ed8)], module.ExtendedVersions.ToArray());
        var trailing = ElfModuleReader.Read(AppendToSection(image, "__version_ext_crcs", [1, 2]), "spare.ko");
        Assert.Single(trailing.ExtendedVersions);
    }

    [Fact]
    public void Malformed_ExtendedNamesFewerThanCrcs()
    {
        var image = Builder("few", extended: [("a", 1), ("b", 2)]).Build();
        var cut = (byte[])image.Clone();
        ElfModuleReaderTests.PatchSectionSize(cut, "__version_ext_names", 2);
        var e = Assert.Throws<ModuleFormatException>(() => ElfModuleReader.Read(cut, "few.ko"));
        Assert.Equal("few.ko: more extended version crcs than names (2 CRCs, 1 names; the loader refuses it, -ENOEXEC) (at offset 0x" + e.Offset!.Value.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + ")", e.Message);
    }

    private static KernelExport ModuleOnly(string symbol, string patterns) =>
        new(symbol, 0x5a5a5a5a, "drivers/gpu/drm/kgexp", ExportKind.Gpl, "module:" + patterns);

    private static ModuleImage Consumer(string name, string symbol, params string[] importNs) =>
        Read(Builder(name, builtFor: Rel616, imports: ["_printk", symbol], basic: [("_printk", 0x92997ed8), (symbol, 0x5a5a5a5a)], importNs: importNs), name);

    [Theory]
    [InlineData("kvm_amd", "kvm,kvm_amd")]
    [InlineData("kvm_intel", "kvm-*")]
    [InlineData("kvm-amd", "kvm_amd")]
    public void ModuleOnlyExport_NamedModule_Loads(string consumer, string patterns)
    {
        var verdict = One(Kernel(Rel616, [ModuleOnly("kvm_sym", patterns)]), Consumer(consumer, "kvm_sym"));
        Assert.True(verdict.Loads, string.Join("; ", Messages(verdict.Problems)));
    }

    [Fact]
    public void ModuleOnlyExport_OtherModule_RefusedInTheKernelsWords()
    {
        var verdict = One(Kernel(Rel617, [ModuleOnly("kvm_sym", "kvm,kvm-*")]), Consumer("foo", "kvm_sym"));
        var problem = Assert.Single(verdict.Problems);
        Assert.Equal(ProblemKind.ModuleOnlyExport, problem.Kind);
        Assert.Equal("module \"foo\" uses symbol \"kvm_sym\", which is exported only for module \"kvm,kvm-*\"", problem.Message);
        Assert.Equal("module-only-export", problem.Kind.ToJsonName());
    }

    [Fact]
    public void ModuleOnlyExport_IsNotRelaxedByAllowMissingNamespaceImports()
    {
        var relaxed = new KernelAbi(Rel616, [new KernelExport("_printk", 0x92997ed8, "vmlinux", ExportKind.Plain, null), ModuleOnly("kvm_sym", "kvm")], "test",
            Rel616 + MagicTail, loader: new LoaderConfig(false, AllowMissingNamespaceImports: true));
        Assert.Equal(ProblemKind.ModuleOnlyExport, Assert.Single(One(relaxed, Consumer("foo", "kvm_sym")).Problems).Kind);
    }

    [Fact]
    public void ModuleOnlyExport_Before616_IsAnOrdinaryNamespace()
    {
        var verdict = One(Kernel(Rel615, [ModuleOnly("kvm_sym", "kvm")]), Consumer("kvm", "kvm_sym"));
        Assert.Equal(["kvm: module uses symbol (kvm_sym) from namespace module:kvm, but does not import it."], Messages(verdict.Problems));
        Assert.True(One(Kernel(Rel615, [ModuleOnly("kvm_sym", "kvm")]), Consumer("kvm", "kvm_sym", "module:kvm")).Loads);
    }

    [Fact]
    public void ExplicitImportOfModuleNamespace_IsEperm()
    {
        var verdict = One(Kernel(Rel616, [ModuleOnly("kvm_sym", "kvm")]), Consumer("kvm", "kvm_sym", "module:kvm"));
        var problem = Assert.Single(verdict.Problems);
        Assert.Equal(ProblemKind.ModuleNamespaceImport, problem.Kind);
        Assert.Equal("kvm: module tries to import module namespace: module:kvm", problem.Message);
    }

    [Fact]
    public void ModuleOnlyExport_FromAnExportingModulesElf()
    {
        // The exporter is a module of the set (EXPORT_SYMBOL_GPL_FOR_MODULES in its own ELF), not a Module.symvers row.
        var exporter = Read(new ElfBuilder
        {
            Modinfo = [("license", "GPL"), ("name", "kgexp"), ("vermagic", Rel616 + MagicTail)],
            Undefined = [("_printk", false)],
            Versions = [("_printk", 0x92997ed8)],
            Exports = [("kgexp_only", 0x5a5a5a5a, true, "module:kguser")],
        }, "kgexp");
        Assert.Equal("module:kguser", Assert.Single(exporter.Exports).Namespace);
        var report = CompatibilityEngine.Check([Kernel(Rel616)], [exporter, Consumer("kguser", "kgexp_only"), Consumer("other", "kgexp_only")]);
        Assert.True(report[1, 0].Loads);
        Assert.Equal(["module \"other\" uses symbol \"kgexp_only\", which is exported only for module \"kguser\""], Messages(report[2, 0].Problems));
    }

    [Fact]
    public void ModuleOnlyExport_FromModuleSymversNamespaceColumn()
    {
        var rows = "0x5a5a5a5a\tkvm_sym\tarch/x86/kvm/kvm\tEXPORT_SYMBOL_GPL\tmodule:kvm-amd,kvm-intel\n0x92997ed8\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n"u8.ToArray();
        var exports = SymversReader.Read(rows, "Module.symvers");
        var kernel = new KernelAbi(Rel616, exports, "Module.symvers", Rel616 + MagicTail, loader: new LoaderConfig(false, false));
        Assert.True(One(kernel, Consumer("kvm_amd", "kvm_sym")).Loads);
        Assert.Equal(["module \"kvm_nope\" uses symbol \"kvm_sym\", which is exported only for module \"kvm-amd,kvm-intel\""],
            Messages(One(kernel, Consumer("kvm_nope", "kvm_sym")).Problems));
    }

    [Theory]
    [InlineData("kvm", "kvm", true)]
    [InlineData("kvm_amd", "kvm", false)]
    [InlineData("kvm_amd", "kvm*", true)]
    [InlineData("kv", "kvm*", false)]
    [InlineData("drm_kms_helper", "drm-kms-helper,i915", true)]
    [InlineData("i915", ",i915", true)]
    [InlineData("anything", "*", true)]
    public void ModuleMatch_TailGlobsAndDashes(string module, string patterns, bool matches) =>
        Assert.Equal(matches, CompatibilityEngine.ModuleMatch(module, patterns));

    [Fact]
    public void Kflagstab_GplKindReadFromTheFlagsTable()
    {
        var module = Read(new ElfBuilder
        {
            Modinfo = [("license", "GPL"), ("name", "modern")],
            ModernExports = true,
            Exports = [("modern_plain", 1, false, null), ("modern_gpl", 2, true, null)],
        }, "modern");
        Assert.True(module.ExportFlagsTable);
        Assert.Equal([("modern_gpl", ExportKind.Gpl), ("modern_plain", ExportKind.Plain)], module.Exports.Select(e => (e.Symbol, e.Kind)).ToArray());
    }

    [Fact]
    public void Kflagstab_KernelRefusesExportsWithoutFlags()
    {
        var old = Read(new ElfBuilder
        {
            Modinfo = [("license", "GPL"), ("name", "oldexp"), ("vermagic", Rel617 + MagicTail)],
            Undefined = [("_printk", false)],
            Versions = [("_printk", 0x92997ed8)],
            Exports = [("oldexp_sym", 1, false, null)],
        }, "oldexp");
        Assert.False(old.ExportFlagsTable);
        Assert.Equal(["oldexp: no flags for exported symbols"], Messages(One(Kernel(Rel617, flagsTable: true), old).Problems));
        Assert.True(One(Kernel(Rel617, flagsTable: false), old).Loads);
        Assert.True(One(Kernel(Rel617, flagsTable: null), old).Loads);
    }

    /// <summary>Appends bytes to a section by moving it to the end of the file (the builder's images end with the section headers).</summary>
    internal static byte[] AppendToSection(byte[] image, string section, byte[] extra)
    {
        var headerAt = ElfModuleReaderTests.SectionHeader(image, section);
        var offset = BitConverter.ToUInt64(image, headerAt + 24);
        var size = BitConverter.ToUInt64(image, headerAt + 32);
        var moved = image.Length;
        var result = new byte[image.Length + (int)size + extra.Length];
        image.CopyTo(result, 0);
        Array.Copy(image, (long)offset, result, moved, (long)size);
        extra.CopyTo(result, moved + (int)size);
        BitConverter.TryWriteBytes(result.AsSpan(headerAt + 24, 8), (ulong)moved);
        BitConverter.TryWriteBytes(result.AsSpan(headerAt + 32, 8), size + (ulong)extra.Length);
        return result;
    }
}
