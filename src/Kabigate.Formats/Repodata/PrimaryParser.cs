using System.Xml;

namespace Kabigate.Formats.Repodata;

/// <summary>
/// The pull parser behind <see cref="PrimaryReader"/>: each <see cref="Next"/> reads one <c>&lt;package&gt;</c>.
/// Element and attribute names are atomised in the reader's name table and compared by reference.
/// </summary>
internal sealed class PrimaryParser
{
    private readonly XmlReader _reader;
    private readonly string _source;
    private readonly List<RepoDependency> _dependencies = [];
    private int _packageDependencies;
    private int _documentPackages;
    private long _documentDependencies;
    private bool _started;
    private bool _finished;

    // Atomised names.
    private readonly string _common, _rpm, _xml;
    private readonly string _metadata, _package, _name, _arch, _version, _checksum, _size, _location, _format;
    private readonly string _provides, _requires, _conflicts, _entry;
    private readonly string _epoch, _ver, _rel, _flags, _pre, _type, _href, _base, _packageAttr;

    public PrimaryParser(XmlReader reader, string sourceName)
    {
        _reader = reader;
        _source = sourceName;
        var names = reader.NameTable;
        _common = names.Add(RepodataXml.CommonNamespace);
        _rpm = names.Add(RepodataXml.RpmNamespace);
        _xml = names.Add(RepodataXml.XmlNamespace);
        _metadata = names.Add("metadata");
        _package = names.Add("package");
        _name = names.Add("name");
        _arch = names.Add("arch");
        _version = names.Add("version");
        _checksum = names.Add("checksum");
        _size = names.Add("size");
        _location = names.Add("location");
        _format = names.Add("format");
        _provides = names.Add("provides");
        _requires = names.Add("requires");
        _conflicts = names.Add("conflicts");
        _entry = names.Add("entry");
        _epoch = names.Add("epoch");
        _ver = names.Add("ver");
        _rel = names.Add("rel");
        _flags = names.Add("flags");
        _pre = names.Add("pre");
        _type = names.Add("type");
        _href = names.Add("href");
        _base = names.Add("base");
        _packageAttr = names.Add("package");
    }

    /// <summary>Reads the next package, or returns null at the end of the document.</summary>
    /// <exception cref="ModuleFormatException">The document is malformed or a package lacks a required part.</exception>
    public RepoPackage? Next()
    {
        try
        {
            if (_finished)
                return null;
            if (!_started)
            {
                _started = true;
                if (!Start())
                    return Finish();
            }

            while (_reader.NodeType != XmlNodeType.EndElement)
            {
                if (_reader.NodeType == XmlNodeType.Element)
                {
                    if (ReferenceEquals(_reader.LocalName, _package) && ReferenceEquals(_reader.NamespaceURI, _common))
                        return ReadPackage();
                    _reader.Skip();
                }
                else
                {
                    Advance();
                }
            }

            return Finish();
        }
        catch (XmlException e)
        {
            _finished = true;
            throw RepodataXml.Malformed(e, _source, _reader);
        }
    }

    /// <summary>Checks the root element and moves inside it; false when it is empty.</summary>
    private bool Start()
    {
        _reader.MoveToContent();
        if (_reader.NodeType != XmlNodeType.Element || !ReferenceEquals(_reader.LocalName, _metadata) || !ReferenceEquals(_reader.NamespaceURI, _common))
            throw Error(Messages.WrongRoot("primary.xml", "metadata", RepodataXml.CommonNamespace, _reader.LocalName, _reader.NamespaceURI));
        if (_reader.IsEmptyElement)
            return false;
        Advance();
        return true;
    }

    /// <summary>Reads past the root's end, so that the reader checks nothing but whitespace follows.</summary>
    private RepoPackage? Finish()
    {
        _finished = true;
        while (_reader.Read())
        {
        }

        return null;
    }

    private RepoPackage ReadPackage()
    {
        int line = RepodataXml.Line(_reader) ?? 0;
        if (++_documentPackages > InputLimits.MaxPackagesPerDocument)
            throw Error(Messages.TooManyPackages(InputLimits.MaxPackagesPerDocument));
        _packageDependencies = 0;
        string? name = null, arch = null, version = null, release = null, href = null, xmlBase = null;
        string? checksumType = null, checksum = null;
        int? epoch = null;
        long? size = null;
        bool sawVersion = false;
        RepoDependency[] provides = [], requires = [], conflicts = [];

        if (_reader.IsEmptyElement)
            throw Error(Messages.PackageMissing(null, "name"));
        Advance();
        while (_reader.NodeType != XmlNodeType.EndElement)
        {
            if (_reader.NodeType != XmlNodeType.Element)
            {
                Advance();
                continue;
            }

            string local = _reader.LocalName;
            if (!ReferenceEquals(_reader.NamespaceURI, _common))
            {
                _reader.Skip();
            }
            else if (ReferenceEquals(local, _name))
            {
                name = _reader.ReadElementContentAsString();
            }
            else if (ReferenceEquals(local, _arch))
            {
                arch = _reader.ReadElementContentAsString();
            }
            else if (ReferenceEquals(local, _version))
            {
                sawVersion = true;
                epoch = RepodataXml.ParseEpoch(_reader, _source, _reader.GetAttribute(_epoch));
                version = _reader.GetAttribute(_ver);
                release = _reader.GetAttribute(_rel);
                _reader.Skip();
            }
            else if (ReferenceEquals(local, _checksum))
            {
                checksumType = _reader.GetAttribute(_type);
                checksum = _reader.ReadElementContentAsString().Trim();
            }
            else if (ReferenceEquals(local, _size))
            {
                size = RepodataXml.ParseCount(_reader, _source, "package size", _reader.GetAttribute(_packageAttr));
                _reader.Skip();
            }
            else if (ReferenceEquals(local, _location))
            {
                href = _reader.GetAttribute(_href);
                xmlBase = _reader.GetAttribute(_base, _xml);
                _reader.Skip();
            }
            else if (ReferenceEquals(local, _format))
            {
                ReadFormat(name, ref provides, ref requires, ref conflicts);
            }
            else
            {
                _reader.Skip();
            }
        }

        Advance();
        if (string.IsNullOrEmpty(name))
            throw Error(Messages.PackageMissing(null, "name"), line);
        if (string.IsNullOrEmpty(arch))
            throw Error(Messages.PackageMissing(name, "arch"), line);
        if (!sawVersion)
            throw Error(Messages.PackageMissing(name, "version"), line);
        if (version is null)
            throw Error(Messages.PackageVersionAttributeMissing(name, "ver"), line);
        if (release is null)
            throw Error(Messages.PackageVersionAttributeMissing(name, "rel"), line);
        if (string.IsNullOrEmpty(href))
            throw Error(Messages.PackageMissing(name, "location href"), line);
        return new RepoPackage(name, arch, epoch, version, release, href, size, checksumType, checksum, provides, requires, conflicts, xmlBase);
    }

    /// <summary>Reads <c>&lt;format&gt;</c>, keeping the three dependency lists, and leaves the reader after it.</summary>
    private void ReadFormat(string? package, ref RepoDependency[] provides, ref RepoDependency[] requires, ref RepoDependency[] conflicts)
    {
        if (_reader.IsEmptyElement)
        {
            Advance();
            return;
        }

        Advance();
        while (_reader.NodeType != XmlNodeType.EndElement)
        {
            if (_reader.NodeType != XmlNodeType.Element)
            {
                Advance();
                continue;
            }

            string local = _reader.LocalName;
            if (!ReferenceEquals(_reader.NamespaceURI, _rpm))
                _reader.Skip();
            else if (ReferenceEquals(local, _provides))
                provides = ReadDependencies(package, "provides");
            else if (ReferenceEquals(local, _requires))
                requires = ReadDependencies(package, "requires");
            else if (ReferenceEquals(local, _conflicts))
                conflicts = ReadDependencies(package, "conflicts");
            else
                _reader.Skip();
        }

        Advance();
    }

    /// <summary>Reads the <c>&lt;rpm:entry&gt;</c> children of a dependency list and leaves the reader after it.</summary>
    private RepoDependency[] ReadDependencies(string? package, string list)
    {
        if (_reader.IsEmptyElement)
        {
            Advance();
            return [];
        }

        _dependencies.Clear();
        Advance();
        while (_reader.NodeType != XmlNodeType.EndElement)
        {
            if (_reader.NodeType == XmlNodeType.Element && ReferenceEquals(_reader.LocalName, _entry) && ReferenceEquals(_reader.NamespaceURI, _rpm))
            {
                if (++_packageDependencies > PrimaryReader.MaxDependenciesPerPackage)
                    throw Error(Messages.TooManyPackageDependencies(package, PrimaryReader.MaxDependenciesPerPackage));
                if (++_documentDependencies > InputLimits.MaxDependenciesPerDocument)
                    throw Error(Messages.TooManyDocumentDependencies(InputLimits.MaxDependenciesPerDocument));
                _dependencies.Add(ReadEntry(package, list));
            }
            else if (_reader.NodeType == XmlNodeType.Element)
            {
                _reader.Skip();
            }
            else
            {
                Advance();
            }
        }

        Advance();
        return [.. _dependencies];
    }

    /// <summary>Reads one <c>&lt;rpm:entry/&gt;</c> from its attributes and leaves the reader after it.</summary>
    private RepoDependency ReadEntry(string? package, string list)
    {
        string? name = null, flags = null, epochText = null, version = null, release = null, pre = null;
        while (_reader.MoveToNextAttribute())
        {
            string local = _reader.LocalName;
            if (_reader.NamespaceURI.Length != 0)
                continue;
            if (ReferenceEquals(local, _name))
                name = _reader.Value;
            else if (ReferenceEquals(local, _flags))
                flags = _reader.Value;
            else if (ReferenceEquals(local, _epoch))
                epochText = _reader.Value;
            else if (ReferenceEquals(local, _ver))
                version = _reader.Value;
            else if (ReferenceEquals(local, _rel))
                release = _reader.Value;
            else if (ReferenceEquals(local, _pre))
                pre = _reader.Value;
        }

        _reader.MoveToElement();
        if (string.IsNullOrEmpty(name))
            throw Error(Messages.DependencyWithoutName(package, list));
        var dependency = new RepoDependency(
            name,
            flags is null ? null : InternFlags(flags, package),
            RepodataXml.ParseEpoch(_reader, _source, epochText),
            version,
            release,
            ParsePre(pre, package));
        _reader.Skip();
        return dependency;
    }

    /// <summary>The flag strings as shared constants, so a kernel's 25,000 provides do not hold 25,000 copies.</summary>
    private string InternFlags(string flags, string? package) => flags switch
    {
        "EQ" => "EQ",
        "LT" => "LT",
        "LE" => "LE",
        "GT" => "GT",
        "GE" => "GE",
        _ => throw Error(Messages.UnknownDependencyFlags(package, flags)),
    };

    private bool ParsePre(string? pre, string? package) => pre switch
    {
        null or "0" or "false" => false,
        "1" or "true" => true,
        _ => throw Error(Messages.InvalidPre(package, pre)),
    };

    private void Advance()
    {
        if (!_reader.Read())
            throw Error(Messages.UnexpectedEndOfXml);
    }

    private ModuleFormatException Error(string message, int? line = null) =>
        new(_source, message, line: line ?? RepodataXml.Line(_reader));
}
