using SharpFuzz;

namespace Kabigate.Fuzz;

/// <summary>The harness's command line (see Program.cs).</summary>
internal static class Cli
{
    /// <summary>The largest input read: AFL++ never writes more than 1 MB.</summary>
    private const int MaxInputBytes = 1 << 20;

    public static int Run(string[] args)
    {
        switch (args)
        {
            case ["list"]:
                foreach (string name in Targets.All.Keys)
                    Console.WriteLine(name);
                return 0;
            case ["seeds", var directory]:
                Console.WriteLine($"{Seeds.Write(directory)} seeds written to {directory}");
                return 0;
            case ["replay", var target, .. var files] when Targets.All.ContainsKey(target) && files.Length > 0:
                GiveInstrumentationAMap();
                foreach (string file in files)
                {
                    var outcome = Targets.Run(target, File.ReadAllBytes(file));
                    Console.WriteLine($"{target} {file}: {(outcome is null ? "read" : $"{outcome.GetType().Name}: {outcome.Message}")}");
                }

                return 0;
            case [var target] when Targets.All.ContainsKey(target):
                Fuzzer.OutOfProcess.Run(stream => Targets.Run(target, ReadInput(stream)));
                return 0;
            default:
                Console.Error.WriteLine($"usage: Kabigate.Fuzz TARGET | replay TARGET FILE... | seeds DIRECTORY | list\ntargets: {string.Join(' ', Targets.All.Keys)}");
                return 2;
        }
    }

    /// <summary>
    /// Instrumented assemblies (tests/fuzz.sh's build) write coverage to SharpFuzz's shared map, which only afl-fuzz
    /// provides; outside it, a private map lets the same build replay inputs.
    /// </summary>
    private static unsafe void GiveInstrumentationAMap()
    {
        if (SharpFuzz.Common.Trace.SharedMem == null)
            SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 16);
    }

    private static byte[] ReadInput(Stream stream)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while (buffer.Length < MaxInputBytes && (read = stream.Read(chunk)) > 0)
            buffer.Write(chunk, 0, read);
        return buffer.ToArray();
    }
}
