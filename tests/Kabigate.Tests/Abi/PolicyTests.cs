using Kabigate.Abi;

namespace Kabigate.Tests.Abi;

public class PolicyTests
{
    private static readonly DateOnly Today = new(2026, 11, 25);

    private static SeverityRule Rule(string pattern, Severity severity, PatternKind? kind = null, int line = 1) =>
        new(pattern, kind ?? SeverityRule.InferKind(pattern), severity, $"p.toml:{line}");

    [Theory]
    [InlineData("drivers/nvme/host/*", PatternKind.Module)]
    [InlineData("vmlinux", PatternKind.Module)]
    [InlineData("USB_STORAGE", PatternKind.Namespace)]
    [InlineData("CXL*", PatternKind.Namespace)]
    [InlineData("fput", PatternKind.Symbol)]
    [InlineData("__x86_*", PatternKind.Symbol)]
    public void PatternKinds_AreInferredAsSuseDoes(string pattern, PatternKind kind) => Assert.Equal(kind, SeverityRule.InferKind(pattern));

    [Theory]
    [InlineData("*", "", true)]
    [InlineData("nvme-fc*", "nvme-fcloop", true)]
    [InlineData("drivers/*/host/*", "drivers/nvme/host/nvme-fc", true)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "ac", false)]
    [InlineData("[!x]*", "xyz", false)]
    [InlineData("[a-c]z", "bz", true)]
    [InlineData("*ab", "aab", true)]
    [InlineData("fput", "fput_many", false)]
    public void Globs_MatchAsFnmatch(string pattern, string text, bool matches) => Assert.Equal(matches, Glob.Matches(pattern, text));

    [Fact]
    public void TheFirstMatchingRuleWins_AndTheDefaultIsFail()
    {
        var policy = new Policy(
            [Rule("drivers/nvme/host/nvme-fc*", Severity.Fail, line: 1), Rule("drivers/nvme/host/*", Severity.Pass, line: 2), Rule("USB_STORAGE", Severity.Pass, line: 3), Rule("kfree", Severity.Pass, PatternKind.Symbol, 4)],
            []);
        var evaluation = policy.Evaluate(Today);
        Assert.Equal(Severity.Fail, evaluation.Judge("nvme_fc_register", "drivers/nvme/host/nvme-fc", null, false, null).Severity);
        Assert.Equal(Severity.Pass, evaluation.Judge("nvme_alloc", "drivers/nvme/host/nvme-core", null, false, null).Severity);
        Assert.Equal(Severity.Pass, evaluation.Judge("usb_stor_x", "drivers/usb/storage/usb-storage", "USB_STORAGE", false, null).Severity);
        var byDefault = evaluation.Judge("fput", "vmlinux", null, false, null);
        Assert.Equal(Severity.Fail, byDefault.Severity);
        Assert.Null(byDefault.Rule);
        Assert.True(byDefault.Fails);
        Assert.Equal(["p.toml:4: WARNING: Severity rule 'SYMBOL kfree PASS' is unused"], evaluation.UnusedWarnings());
    }

    [Fact]
    public void WithAStablelist_UnlistedBreaksTakeThePolicysDefault_ListedOnesFail()
    {
        var policy = new Policy([], [], Severity.Pass, new Stablelist(["kmalloc"], "list"));
        var evaluation = policy.Evaluate(Today);
        Assert.False(evaluation.Judge("fput", "vmlinux", null, false, null).Fails);
        Assert.True(evaluation.Judge("kmalloc", "vmlinux", null, true, null).Fails);
    }

    [Fact]
    public void Waivers_AllowBreaksUntilTheyExpire_AndSaySo()
    {
        var live = new Waiver("fput", "zfs", "storage-team", "rebuilt for 9.4", new DateOnly(2027, 3, 31), "p.toml:10");
        var expired = new Waiver("getrawmonotonic", null, "storage-team", "old", new DateOnly(2026, 1, 1), "p.toml:16");
        var unused = new Waiver(null, "nvidia", "gpu", "vendor rebuilds", null, "p.toml:22");
        var evaluation = new Policy([], [live, expired, unused]).Evaluate(Today);

        var allowed = evaluation.Judge("fput", "vmlinux", null, false, "zfs");
        Assert.False(allowed.Fails);
        Assert.Same(live, allowed.Waiver);
        Assert.Contains("allowed by waiver symbol=fput kmod=zfs (storage-team: rebuilt for 9.4; until 2027-03-31) at p.toml:10", allowed.Explain(), StringComparison.Ordinal);

        Assert.True(evaluation.Judge("fput", "vmlinux", null, false, "spl").Fails);

        var lapsed = evaluation.Judge("getrawmonotonic", "vmlinux", null, false, "zfs");
        Assert.True(lapsed.Fails);
        Assert.Same(expired, lapsed.ExpiredWaiver);
        Assert.Contains("expired and no longer applies", lapsed.Explain(), StringComparison.Ordinal);

        Assert.Equal(["p.toml:22: WARNING: waiver kmod=nvidia (gpu: vendor rebuilds) at p.toml:22 matched nothing"], evaluation.UnusedWarnings());
    }
}
