#!/usr/bin/env bash
# Builds a kernel-core-style RPM from a real kernel ABI, the way RHEL's kernel.spec and kabi.sh present one:
# Provides: kernel(sym) = 0xCRC for every vmlinux row of Module.symvers (or SUSE's ksym(FLAVOR:sym) = crc with the
# hex not zero-padded), kernel-uname-r, and a payload with /boot/symvers-R.gz and /lib/modules/R/symvers.gz.
# Debian's release 6.1.0-47-amd64 is not an RPM version: version 6.1.0, release 47.amd64 (kernel-uname-r likewise).
# The kernel's .config goes in too when it lies beside SYMVERS (a headers directory), as /boot/config-R.
# usage: make-kernel-rpm.sh RELEASE SYMVERS OUTDIR [NAME] [PAYLOAD] [STYLE]
#   NAME    package name (kernel-core)        PAYLOAD w2.xzdio | w3.zstdio | w6.gzdio | w0.ufdio (w2.xzdio)
#   STYLE   rhel (kernel(sym) = 0x%08x) | suse (ksym(default:sym) = %x) | none (no kABI provides)   (rhel)
#   RELEASE_SUFFIX (environment) is appended to the RPM release, to make several packages of one ABI
set -euo pipefail
release=${1:?release}; symvers=${2:?symvers}; out=${3:?outdir}
name=${4:-kernel-core}; payload=${5:-w2.xzdio}; style=${6:-rhel}
# An RPM version allows one '-': 6.1.0-47-amd64 becomes 6.1.0-47.amd64; 6.12.118+deb12-amd64 stays as it is.
version=${release%%-*}; rest=${release#*-}
if [[ $rest == *-* ]]; then abi=${rest%%-*}; flavour=${rest#*-}; rpm_release="$abi.${flavour//-/_}"; else rpm_release=$rest; fi
uname_r="$version-$rpm_release${RELEASE_SUFFIX:-}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/boot" "$work/root/lib/modules/$release" "$out"
gzip -9 -c "$symvers" >"$work/root/boot/symvers-$release.gz"
cp "$work/root/boot/symvers-$release.gz" "$work/root/lib/modules/$release/symvers.gz"
config_file=""
if [ -f "$(dirname "$symvers")/.config" ]; then
  cp "$(dirname "$symvers")/.config" "$work/root/boot/config-$release"
  config_file="/boot/config-$release"
fi
case "$style" in
  rhel) provides=$(awk -F'\t' '$3=="vmlinux" && $1!="0x00000000" {printf "Provides: kernel(%s) = %s\n", $2, $1}' "$symvers") ;;
  suse) provides=$(awk -F'\t' -v f="$flavour" 'function hex(s,  i, n) { s = tolower(substr(s, 3)); n = 0; for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return n } $3=="vmlinux" && $1!="0x00000000" {printf "Provides: ksym(default:%s) = %x\n", $2, hex($1)}' "$symvers") ;;
  none) provides="" ;;
esac
cat >"$work/kernel.spec" <<SPEC
Name: $name
Version: $version
Release: $rpm_release${RELEASE_SUFFIX:-}
Summary: kabigate test kernel ABI $release
License: GPL-2.0-only
BuildArch: x86_64
AutoReqProv: no
Provides: kernel-uname-r = $uname_r
Provides: installonlypkg(kernel)
$provides
%description
Kernel ABI of Debian's $release, for kabigate's tests.
%install
cp -a $work/root/. %{buildroot}/
%files
$config_file
/boot/symvers-$release.gz
/lib/modules/$release/symvers.gz
SPEC
rpmbuild -bb --quiet --define "_topdir $work/top" --define "_binary_payload $payload" \
  --define '_build_id_links none' "$work/kernel.spec" >&2
find "$work/top/RPMS" -name '*.rpm' -exec cp {} "$out/" \;
