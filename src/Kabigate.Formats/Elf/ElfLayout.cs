namespace Kabigate.Formats.Elf;

/// <summary>ELF layout constants (elf(5)), derived from the field sizes rather than written inline.</summary>
internal static class ElfLayout
{
    public static ReadOnlySpan<byte> Magic => [0x7f, (byte)'E', (byte)'L', (byte)'F'];

    public const int IdentSize = 16;            // e_ident
    public const int ClassIndex = 4;            // EI_CLASS
    public const int DataIndex = 5;             // EI_DATA
    public const byte Class32 = 1;              // ELFCLASS32
    public const byte Class64 = 2;              // ELFCLASS64
    public const byte DataLsb = 1;              // ELFDATA2LSB
    public const byte DataMsb = 2;              // ELFDATA2MSB

    // Offsets of header fields after e_ident; 64-bit addresses widen e_entry, e_phoff and e_shoff.
    public const int TypeOffset = IdentSize;                       // e_type
    public const int MachineOffset = TypeOffset + 2;               // e_type (2) precedes e_machine
    public static int ShOffOffset(bool is64) => IdentSize + 2 + 2 + 4 + Addr(is64) + Addr(is64);
    public static int ShEntSizeOffset(bool is64) => ShOffOffset(is64) + Addr(is64) + 4 + 2 + 2 + 2; // e_flags, e_ehsize, e_phentsize, e_phnum
    public static int HeaderSize(bool is64) => ShEntSizeOffset(is64) + 2 + 2 + 2;                  // e_shentsize, e_shnum, e_shstrndx

    public static int Addr(bool is64) => is64 ? 8 : 4;

    // Elf{32,64}_Shdr: name, type (4 each), flags (word), addr, offset (addr), size (word), link, info (4 each), addralign, entsize (word).
    public static int SectionHeaderSize(bool is64) => 4 + 4 + Addr(is64) + Addr(is64) + Addr(is64) + Addr(is64) + 4 + 4 + Addr(is64) + Addr(is64);

    // Elf32_Sym: name, value, size (4 each), info, other (1 each), shndx (2). Elf64_Sym: name (4), info, other, shndx, value (8), size (8).
    public static int SymbolSize(bool is64) => is64 ? 4 + 1 + 1 + 2 + 8 + 8 : 4 + 4 + 4 + 1 + 1 + 2;

    // Elf32_Rel(a): offset, info (4 each) [, addend (4)]. Elf64_Rel(a): offset, info (8 each) [, addend (8)].
    public static int RelocationSize(bool is64, bool withAddend) => Addr(is64) * (withAddend ? 3 : 2);

    public const ushort TypeRelocatable = 1;    // ET_REL: an object file, such as a .ko
    public const ushort TypeExecutable = 2;     // ET_EXEC: a linked vmlinux
    public const ushort TypeShared = 3;         // ET_DYN: a linked position-independent vmlinux (arm64, loongarch)

    public const ulong SectionFlagAlloc = 2;    // SHF_ALLOC: occupies memory at sh_addr when loaded

    public const uint SectionTypeNoBits = 8;    // SHT_NOBITS
    public const uint SectionTypeRela = 4;      // SHT_RELA
    public const uint SectionTypeRel = 9;       // SHT_REL
    public const uint SectionTypeSymtab = 2;    // SHT_SYMTAB
    public const ushort SectionUndefined = 0;   // SHN_UNDEF
    public const ushort SectionLoReserve = 0xff00; // SHN_LORESERVE
    public const ushort SectionAbsolute = 0xfff1;  // SHN_ABS
    public const ushort SectionExtended = 0xffff;  // SHN_XINDEX
    public const byte BindGlobal = 1;           // STB_GLOBAL
    public const byte BindWeak = 2;             // STB_WEAK

    // e_machine values of the architectures that select HAVE_ARCH_PREL32_RELOCATIONS (struct kernel_symbol holds
    // 32-bit place-relative offsets), tried first there. x86 drops it under LTO_GCC, so the reader still checks.
    public const ushort Machine386 = 3;         // EM_386
    public const ushort MachinePpc64 = 21;      // EM_PPC64
    public const ushort MachineS390 = 22;       // EM_S390
    public const ushort MachineX86_64 = 62;     // EM_X86_64
    public const ushort MachineAarch64 = 183;   // EM_AARCH64
    public const ushort MachineRiscv = 243;     // EM_RISCV
    public const ushort MachineLoongArch = 258; // EM_LOONGARCH
}

/// <summary>Kernel module layout constants (include/linux/module.h, export-internal.h).</summary>
internal static class ModversionLayout
{
    public const int ModuleNameLength = 64;     // MODULE_NAME_LEN: struct modversion_info is 64 bytes in all
    public static int EntrySize => ModuleNameLength;

    // struct modversion_info { unsigned long crc; char name[MODULE_NAME_LEN - sizeof(unsigned long)]; }
    public static int CrcSize(bool is64) => ElfLayout.Addr(is64);

    public const int ExtendedCrcSize = 4;       // __version_ext_crcs: u32 per symbol

    // struct kernel_symbol: PREL32 (int value_offset, name_offset, namespace_offset) or three absolute pointers.
    public const int Prel32FieldSize = 4;

    public const byte FlagGplOnly = 1;          // KSYM_FLAG_GPL_ONLY in __kflagstab

    public const int KcrctabEntrySize = 4;      // __kcrctab: u32 per export (since 4.10, "treat symbol CRCs as 32 bit")
    public const int LegacyKcrctabEntrySize = 8; // before 4.10 an unsigned long per export on 64-bit; the low 32 bits count

    public static ReadOnlySpan<byte> SignatureMarker => "~Module signature appended~\n"u8;
}
