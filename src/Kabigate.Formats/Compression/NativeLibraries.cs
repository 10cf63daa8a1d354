using System.Runtime.InteropServices;

namespace Kabigate.Formats;

/// <summary>
/// Loads the system's compression libraries by soname and resolves their functions, turning a missing library or
/// function into a <see cref="ModuleFormatException"/> that names the package to install. Function pointers, not
/// <c>DllImport</c>, so that the failure is ours to word and to test, and nothing is bound until first use.
/// </summary>
internal static class NativeLibraries
{
    /// <summary>Loads <paramref name="library"/>.</summary>
    /// <param name="library">The soname, e.g. <c>liblzma.so.5</c>.</param>
    /// <param name="format">The format that needs it, for the message.</param>
    /// <param name="package">The Debian package that ships it, for the message.</param>
    /// <param name="sourceName">The input being decoded, for the message.</param>
    /// <returns>The library handle; never freed (the process keeps it, like a <c>DllImport</c>).</returns>
    /// <exception cref="ModuleFormatException">The library cannot be loaded.</exception>
    internal static nint Load(string library, string format, string package, string sourceName)
    {
        if (NativeLibrary.TryLoad(library, typeof(NativeLibraries).Assembly, DllImportSearchPath.SafeDirectories, out nint handle))
            return handle;
        throw new ModuleFormatException(sourceName, Messages.NativeLibraryMissing(format, library, package));
    }

    /// <summary>Resolves one function of a loaded library.</summary>
    /// <exception cref="ModuleFormatException">The library lacks the function.</exception>
    internal static nint Export(nint handle, string library, string function, string sourceName)
    {
        if (NativeLibrary.TryGetExport(handle, function, out nint address))
            return address;
        throw new ModuleFormatException(sourceName, Messages.NativeExportMissing(library, function));
    }
}
