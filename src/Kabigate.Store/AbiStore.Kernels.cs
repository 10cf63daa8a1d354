using Kabigate.Abi;

namespace Kabigate.Store;

/// <summary>Kernels rebuilt from the store, alone or a set at a time sharing the work between releases of a line.</summary>
public sealed partial class AbiStore
{
    /// <summary>
    /// Rebuilds a stored kernel's ABI; with <paramref name="only"/>, just the exports of those symbols (what a set of
    /// kmods can import), which is all the loader's rules read for them and much faster for long histories.
    /// </summary>
    /// <remarks>With <see cref="StoreSharing"/>, the whole ABI is decoded once and shared, whatever <paramref name="only"/> says.</remarks>
    public KernelAbi LoadKernel(StoredKernel kernel, IReadOnlySet<string>? only = null)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        return LoadKernels([kernel], only)[0];
    }

    /// <summary>
    /// Rebuilds several stored kernels, each as <see cref="LoadKernel"/> would, index for index: releases of one line
    /// are taken in version order, each made from the one before (its delta chain decoded once, its exports reused
    /// where they did not change), so a set of releases costs about one release plus their changes.
    /// </summary>
    /// <remarks>With <see cref="StoreSharing"/>, each whole ABI is decoded once and shared, whatever <paramref name="only"/> says.</remarks>
    public IReadOnlyList<KernelAbi> LoadKernels(IReadOnlyList<StoredKernel> kernels, IReadOnlySet<string>? only = null)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        var builder = new KernelBuilder(this, _sharing is null ? only : null);
        var result = new KernelAbi[kernels.Count];
        var order = Enumerable.Range(0, kernels.Count)
            .OrderBy(i => kernels[i].Line, StringComparer.Ordinal).ThenBy(i => kernels[i].Release, KernelReleases.Comparer).ThenBy(i => kernels[i].Id);
        foreach (var i in order)
        {
            var kernel = kernels[i];
            ArgumentNullException.ThrowIfNull(kernel, nameof(kernels));
            result[i] = _sharing is { } sharing ? sharing.Kernel(kernel, () => builder.Build(kernel)) : builder.Build(kernel);
        }
        return result;
    }

    /// <summary>Builds kernels one after another, each from the last one built when few of its exports changed.</summary>
    private sealed class KernelBuilder
    {
        private readonly AbiStore _store;
        private readonly bool[]? _wanted;
        private AbiRow[] _rows = [];
        private KernelExport[] _exports = [];
        private KernelAbi? _last;

        public KernelBuilder(AbiStore store, IReadOnlySet<string>? only)
        {
            _store = store;
            if (only is null)
                return;
            var ids = store.SymbolIds();
            _wanted = new bool[store.SymbolNames().Length];
            foreach (var symbol in only)
            {
                if (ids.TryGetValue(symbol, out var id))
                    _wanted[id] = true;
            }
        }

        public KernelAbi Build(StoredKernel kernel)
        {
            var rows = Project(_store.DecodeAbi(kernel.AbiId));
            var symbols = _store.SymbolNames();
            var names = _store.Names();
            var exports = new KernelExport[rows.Length];
            var changed = new List<KernelExport>();
            var removed = new List<string>();
            int b = 0;
            for (int n = 0; n < rows.Length; n++)
            {
                ref readonly var row = ref rows[n];
                while (b < _rows.Length && _rows[b].Symbol < row.Symbol)
                    removed.Add(symbols[_rows[b++].Symbol]);
                if (b < _rows.Length && _rows[b].Symbol == row.Symbol && _rows[b].SameExportAs(row))
                {
                    exports[n] = _exports[b++];
                    continue;
                }
                if (b < _rows.Length && _rows[b].Symbol == row.Symbol)
                    b++;
                exports[n] = new KernelExport(symbols[row.Symbol], row.HasCrc ? row.Crc : null, names[row.Module], row.Kind, row.Namespace == 0 ? null : names[row.Namespace]);
                changed.Add(exports[n]);
            }
            while (b < _rows.Length)
                removed.Add(symbols[_rows[b++].Symbol]);
            // A copy of the last table pays while the changes are a small part of it; across lines, build afresh.
            var abi = _last is not null && (changed.Count + removed.Count) * 4 < rows.Length
                ? _last.Derive(kernel.Release, removed, changed, kernel.Source, kernel.Vermagic, kernel.VermagicUnknownReason, kernel.Loader, kernel.ExportKindsUnknownReason)
                : new KernelAbi(kernel.Release, exports, kernel.Source, kernel.Vermagic, kernel.VermagicUnknownReason, kernel.Loader, kernel.ExportKindsUnknownReason);
            (_rows, _exports, _last) = (rows, exports, abi);
            return abi;
        }

        private AbiRow[] Project(AbiRow[] rows)
        {
            if (_wanted is null)
                return rows;
            int count = 0;
            foreach (ref readonly var row in rows.AsSpan())
            {
                if (Wanted(row.Symbol))
                    count++;
            }
            var projected = new AbiRow[count];
            count = 0;
            foreach (ref readonly var row in rows.AsSpan())
            {
                if (Wanted(row.Symbol))
                    projected[count++] = row;
            }
            return projected;
        }

        private bool Wanted(int symbol) => (uint)symbol < (uint)_wanted!.Length && _wanted[symbol];
    }
}
