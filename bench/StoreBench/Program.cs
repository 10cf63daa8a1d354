// bench/store's in-process half. Each mode prints lines for the reader and "@name=value" lines for bench/store.
using Kabigate.Bench;

return args switch
{
    ["synthetic", var headers, var db, var oneSourceDb, var releases, var kmods] => SyntheticBench.Run(headers, db, oneSourceDb, int.Parse(releases), int.Parse(kmods)),
    ["parse", var symvers, var seconds] => ReadBench.Parse(symvers, double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture)),
    ["diff", var db, var oldHeaders, var newHeaders] => ReadBench.Diff(db, oldHeaders, newHeaders),
    ["matrix", var db, var kernels, var rounds] => MatrixBench.Run(db, kernels, int.Parse(rounds)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: StoreBench synthetic HEADERS DB ONE_SOURCE_DB RELEASES KMODS | parse SYMVERS SECONDS | diff DB OLD_HEADERS NEW_HEADERS | matrix DB KERNEL_GLOB ROUNDS");
    return 2;
}
