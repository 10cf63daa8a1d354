using Kabigate.Abi;
using Kabigate.Store;

namespace Kabigate.Tests.Store;

public class AbiCodecTests
{
    private static AbiRow[] Rows(Random random, int count, int symbolSpace)
    {
        var symbols = Enumerable.Range(1, symbolSpace).OrderBy(_ => random.Next()).Take(count).Order().ToArray();
        return [.. symbols.Select(s => random.Next(10) > 0
            ? new AbiRow(s, (uint)random.Next(), true, random.Next(1, 50), (ExportKind)random.Next(0, 5), random.Next(5) == 0 ? random.Next(1, 9) : 0)
            : new AbiRow(s, 0, false, random.Next(1, 50), (ExportKind)random.Next(0, 5), 0))];
    }

    [Fact]
    public void FullAndDeltaEncodings_DecodeToTheSameRows_ForRandomHistories()
    {
        var random = new Random(20261125);
        for (int round = 0; round < 200; round++)
        {
            var old = Rows(random, random.Next(0, 400), 600);
            // Mutate: drop some, change CRCs, change other fields, add some.
            var current = old.Where(_ => random.Next(10) > 0).Select(r => random.Next(4) switch
            {
                0 => r with { Crc = (uint)random.Next(), HasCrc = true },
                1 => r with { Module = random.Next(1, 50) },
                2 => r with { Namespace = random.Next(3) == 0 ? 0 : random.Next(1, 9), Kind = (ExportKind)random.Next(0, 5) },
                _ => r,
            }).ToList();
            var present = current.Select(r => r.Symbol).ToHashSet();
            current.AddRange(Rows(random, 50, 700).Where(r => present.Add(r.Symbol)));
            var rows = current.OrderBy(r => r.Symbol).ToArray();

            Assert.Equal(rows, AbiCodec.Decode(AbiCodec.EncodeFull(rows), null, "full"));
            Assert.Equal(rows, AbiCodec.Decode(AbiCodec.EncodeDelta(old, rows), old, "delta"));
        }
    }

    [Fact]
    public void ADeltaOfCrcChanges_CostsAboutSixBytesAChange()
    {
        var random = new Random(7);
        var old = Rows(random, 25000, 40000);
        var rows = old.Select((r, i) => i % 10 < 7 ? r with { Crc = (uint)random.Next(), HasCrc = true } : r).ToArray();
        var delta = AbiCodec.EncodeDelta(old, rows);
        Assert.InRange(delta.Length, 17500 * 4, 17500 * 7);
    }

    [Fact]
    public void CorruptBlobs_AreOneClearError()
    {
        var rows = Enumerable.Range(1, 500).Select(i => new AbiRow(i * 3, (uint)(i * 2654435761u), true, i % 7 + 1, ExportKind.Plain, 0)).ToArray();
        var blob = AbiCodec.EncodeFull(rows);
        Assert.Contains("corrupt ABI", Assert.Throws<StoreException>(() => AbiCodec.Decode(blob[..(blob.Length / 2)], null, "x")).Message, StringComparison.Ordinal);
        Assert.Contains("corrupt ABI blob", Assert.Throws<StoreException>(() => AbiCodec.Decode([1, 2, 3, 4, 5, 6], null, "x")).Message, StringComparison.Ordinal);
        Assert.Contains("without its base", Assert.Throws<StoreException>(() => AbiCodec.Decode(AbiCodec.EncodeDelta(rows, rows), null, "x")).Message, StringComparison.Ordinal);
    }
}
