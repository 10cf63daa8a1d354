using System.Text;
using Kabigate.Formats;
using Kabigate.Tests.Support;
using Xunit;

namespace Kabigate.Tests.Formats;

public class StablelistReaderTests
{
    private const string Source = "kabi_stablelist_x86_64";

    private static Kabigate.Abi.Stablelist Parse(string text) => StablelistReader.Read(Encoding.UTF8.GetBytes(text), Source);

    private static void AssertSymbols(Kabigate.Abi.Stablelist list, params string[] symbols)
    {
        Assert.Equal(symbols.Distinct().Count(), list.Count);
        foreach (string symbol in symbols)
            Assert.True(list.Contains(symbol), symbol);
    }

    [Fact]
    public void Read_RhelFormat()
    {
        // show-kabi's consumer list: the rhel8 header literal appears even in RHEL 9 trees.
        var list = Parse("[rhel8_x86_64_whitelist]\n\t__fentry__\n\t_printk\n\tkmalloc_caches\n");
        AssertSymbols(list, "__fentry__", "_printk", "kmalloc_caches");
        Assert.Equal(Source, list.Source);
        Assert.False(list.Contains("rhel8_x86_64_whitelist"));
    }

    [Fact]
    public void Read_AndroidFormat()
    {
        var list = Parse("[abi_symbol_list]\n# commonly used symbols\n  module_layout\n  __put_task_struct\n\n# required by btusb.ko\n  hci_alloc_dev\n  __put_task_struct\n\n[abi_symbol_list]\n  add_timer\n");
        AssertSymbols(list, "module_layout", "__put_task_struct", "hci_alloc_dev", "add_timer");
    }

    [Fact]
    public void Read_PlainListWithCommentsCrlfBomAndNoFinalNewline()
    {
        byte[] data = [0xef, 0xbb, 0xbf, .. "# my list\r\nfoo\r\n\r\n   # indented comment\r\nbar_2\r\n_baz"u8];
        AssertSymbols(StablelistReader.Read(data, Source), "foo", "bar_2", "_baz");
    }

    [Fact]
    public void Read_Empty() => Assert.Equal(0, Parse("").Count);

    [Theory]
    [InlineData("\tfoo bar", "invalid symbol name 'foo bar'")]
    [InlineData("0x92997ed8\t_printk\tvmlinux\tEXPORT_SYMBOL\t", "invalid symbol name '0x92997ed8\t_printk\tvmlinux\tEXPORT_SYMBOL'")]
    [InlineData("  1foo", "invalid symbol name '1foo'")]
    [InlineData("foo.cfi_jt", "invalid symbol name 'foo.cfi_jt'")]
    [InlineData("foo-bar", "invalid symbol name 'foo-bar'")]
    [InlineData("[abi_symbol_list", "invalid section header '[abi_symbol_list'")]
    [InlineData("[]", "invalid section header '[]'")]
    [InlineData("[a b]", "invalid section header '[a b]'")]
    public void Malformed_LineThrowsWithLine(string line, string reason)
    {
        var ex = Assert.Throws<ModuleFormatException>(() => Parse($"[abi_symbol_list]\n  ok\n{line}\r\n  fine\n"));
        Assert.Equal(reason, ex.Reason);
        Assert.Equal(3, ex.Line);
        Assert.Equal($"{Source}:3: {reason} | {line}", ex.Message);
    }

    [Fact]
    public void Read_PathFormDelegates()
    {
        using var temp = new TempDirectory();
        string path = temp.Combine("kabi_whitelist_ppc64le");
        File.WriteAllText(path, "[rhel7_ppc64le_whitelist]\n\tmemcpy\n");
        var list = StablelistReader.Read(path);
        AssertSymbols(list, "memcpy");
        Assert.Equal(path, list.Source);
    }
}
