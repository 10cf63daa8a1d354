#!/usr/bin/env bash
# Builds a kABI-tracking kmod RPM the way RHEL's kmodtool and find-requires.ksyms do: the modules as .ko.xz under
# /lib/modules/RELEASE/extra/NAME/, Requires: kernel(sym) = 0xCRC for every modversions entry whose (symbol, CRC)
# the build kernel's Module.symvers exports from vmlinux, ksym(sym) = 0xCRC for the rest (another module's exports,
# or a CRC the kernel does not have), Provides: ksym(sym) for the modules' own exports, kernel-modules >= VERSION.
# usage: make-kmod-rpm.sh NAME RELEASE BUILD_SYMVERS OUTDIR PAYLOAD STYLE MODULE.ko...
#   PAYLOAD w2.xzdio | w3.zstdio | w6.gzdio | w0.ufdio
#   STYLE rhel | suse (ksym(default:sym) = crc, no zero padding) | none (no kABI requires at all)
#   EXTRA_REQUIRES (environment): more Requires lines, verbatim, e.g. to make a package that lies about its modules
#   KMOD_VERSION (environment): the package version (1.0), to make an update of a kmod
set -euo pipefail
name=${1:?name}; release=${2:?release}; symvers=${3:?symvers}; out=${4:?outdir}; payload=${5:?payload}; style=${6:?style}
shift 6
abi=$(cut -d- -f2 <<<"$release"); flavour=$(cut -d- -f3- <<<"$release")
uname_r="6.1.0-$abi.${flavour//-/_}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
dest="$work/root/lib/modules/$release/extra/$name"
mkdir -p "$dest" "$out"
requires=""; provides=""; files=""
for ko in "$@"; do
  base=$(basename "$ko")
  xz -c "$ko" >"$dest/$base.xz"
  files+="/lib/modules/$release/extra/$name/$base.xz"$'\n'
  while IFS=$'\t' read -r crc sym; do
    if [ "$style" = none ]; then
      continue
    elif [ "$style" = suse ]; then
      requires+="Requires: ksym(default:$sym) = $(printf '%x' "$crc")"$'\n'
    elif awk -F'\t' -v s="$sym" -v c="$crc" '$2==s && $3=="vmlinux" && $1==c {found=1} END {exit !found}' "$symvers"; then
      requires+="Requires: kernel($sym) = $crc"$'\n'
    else
      requires+="Requires: ksym($sym) = $crc"$'\n'
    fi
  done < <(/sbin/modprobe --dump-modversions "$ko" 2>/dev/null | grep -v $'\tmodule_layout$' || true)
done
# The modules' own exports, with their CRCs, from the Module.symvers kbuild wrote beside each build.
for ko in "$@"; do
  build="$(dirname "$ko").build/src/$(basename "$ko" .ko)/Module.symvers"
  [ -f "$build" ] && provides+=$(awk -F'\t' -v suse="$style" 'function hex(s,  i, n) { s = tolower(substr(s, 3)); n = 0; for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return n } { if (suse == "suse") printf "Provides: ksym(default:%s) = %x\n", $2, hex($1); else printf "Provides: ksym(%s) = %s\n", $2, $1 }' "$build")$'\n'
done
# A symbol the package itself provides is not required (find-requires.ksyms drops them too).
requires=$(grep -v -F -f <(sed -n 's/^Provides: \(ksym([^)]*)\) = .*/\1 /p' <<<"$provides") <<<"$requires" || true)
cat >"$work/kmod.spec" <<SPEC
Name: kmod-$name
Version: ${KMOD_VERSION:-1.0}
Release: 1.k${abi}
Summary: kabigate test kmod $name built for $release
License: GPL-2.0-only
BuildArch: x86_64
AutoReqProv: no
Provides: kernel-modules >= $uname_r
Provides: $name-kmod = ${KMOD_VERSION:-1.0}-1
Requires: kernel-uname-r >= $uname_r
$requires
${EXTRA_REQUIRES:-}
$provides
%description
Test kmod $name for kabigate, built with kbuild against $release.
%install
cp -a $work/root/. %{buildroot}/
%files
$files
SPEC
rpmbuild -bb --quiet --define "_topdir $work/top" --define "_binary_payload $payload" \
  --define '_build_id_links none' "$work/kmod.spec" >&2
find "$work/top/RPMS" -name '*.rpm' -exec cp {} "$out/" \;
