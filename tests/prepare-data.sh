#!/usr/bin/env bash
# Prepares the real data the tests use, into DATA (a cache folder, never committed):
#  - installs kmod, kbuild prerequisites, afl++ (tests/fuzz.sh), rpm (rpmbuild, rpm2cpio, cpio: the RPM reader
#    tests build and unpack real packages) and the headers of two Debian 6.1 kernels (the oldest and newest
#    of the ABIs apt offers among the ones the tests name: 47 50 53 54 55 56);
#  - downloads the other headers packages, the cloud and rt flavours of the oldest, and the image packages;
#  - builds the test kmods under tests/kmods against both kernels with the real kbuild;
#  - the same for Debian's 6.12 line: every ABI's headers and image, kmods built against the newest;
#  - writes DATA/manifest.env (what was chosen) and DATA/provenance.txt (where each file came from).
set -euo pipefail
data=${1:?data directory}
mkdir -p "$data"
# One preparation at a time: ./test and the benchmarks share the data, and a rebuild starts by removing packages/.
exec 8>"$data/.prepare-lock"
flock 8
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$data/debs"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "prepare-data: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q "${missing[@]}" >&2
}

lists=/var/lib/apt/lists
if [ -z "$(find "$lists" -maxdepth 1 -name '*Packages*' -mmin -1440 -print -quit 2>/dev/null)" ]; then
  echo "prepare-data: apt-get update" >&2
  as_root apt-get update -q >&2
fi
apt_install kmod xz-utils zstd gzip make gcc xorriso rpm rpm2cpio cpio createrepo-c python3
# PostgreSQL for the store tests; python3-junitparser reads the gate's JUnit as CI tools do.
apt_install postgresql python3-junitparser
# Real dnf 4 (and its python3-dnf) for the dnf plugin's tests, the gated repository and bench/dnf-plugin.
apt_install dnf python3-dnf libsqlite3-0
# AFL++ drives the fuzz targets (tests/fuzz.sh); lz4, bzip2 and binutils (objcopy) make some of their seeds.
apt_install afl++ lz4 bzip2 binutils
# The service: Debian's chromium for the dashboard's browser tests (Playwright drives it; no browser download), wrk for bench/serve.
apt_install chromium wrk
# kabigate's own packages (packaging/build-packages.sh) and their checks: rpmbuild, dpkg-deb and dpkg-shlibdeps build
# them; rpmlint, lintian, man (man-db, groff) and systemd-analyze (systemd) check them.
apt_install rpm dpkg-dev rpmlint lintian man-db groff-base systemd

preferred=(47 50 53 54 55 56)
mapfile -t offered < <(apt-cache search --names-only '^linux-headers-6\.1\.0-[0-9]+-amd64$' \
  | sed -n 's/^linux-headers-6\.1\.0-\([0-9]*\)-amd64 .*/\1/p' | sort -n)
chosen=()
for n in "${preferred[@]}"; do
  for o in "${offered[@]}"; do [ "$n" = "$o" ] && chosen+=("$n"); done
done
if [ ${#chosen[@]} -lt 2 ]; then
  # The named ABIs left the archive: take what apt offers now, oldest and newest first.
  chosen=("${offered[@]: -6}")
fi
if [ ${#chosen[@]} -lt 2 ]; then
  echo "prepare-data: apt offers fewer than two linux-headers-6.1.0-N-amd64 packages (${offered[*]:-none})" >&2
  exit 1
fi
old=${chosen[0]}
new=${chosen[${#chosen[@]}-1]}
old_release=6.1.0-$old-amd64
new_release=6.1.0-$new-amd64
apt_install "linux-headers-$old_release" "linux-headers-$new_release"

download() {
  local pkg=$1
  if ! compgen -G "$data/debs/${pkg}_*.deb" >/dev/null; then
    echo "prepare-data: apt-get download $pkg" >&2
    (cd "$data/debs" && apt-get download -q "$pkg" >&2 2>/dev/null) || (cd "$data/debs" && apt-get download -q "$pkg" >&2)
  fi
}
releases=()
for n in "${chosen[@]}"; do
  download "linux-headers-6.1.0-$n-amd64"
  releases+=("6.1.0-$n-amd64")
done
for flavour in cloud-amd64 rt-amd64; do
  if apt-cache show "linux-headers-6.1.0-$old-$flavour" >/dev/null 2>&1; then
    download "linux-headers-6.1.0-$old-$flavour"
    releases+=("6.1.0-$old-$flavour")
  fi
done
# Image packages carry no symvers: kabigate recovers their ABI from vmlinuz and the modules (one per amd64 ABI).
for n in "${chosen[@]}"; do
  download "linux-image-6.1.0-$n-amd64"
done

# The kmods are rebuilt when their sources change.
sources_hash=$(cd "$here/kmods" && find . -type f \( -name '*.c' -o -name Kbuild -o -name build.sh \) -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
for release in "$old_release" "$new_release"; do
  out="$data/kmods/$release"
  if [ "$(cat "$out/.sources" 2>/dev/null)" != "$sources_hash" ]; then
    echo "prepare-data: building the test kmods against $release" >&2
    "$here/kmods/build.sh" "/usr/src/linux-headers-$release" "$out"
    echo "$sources_hash" >"$out/.sources"
  fi
done

# The newer line: Debian 12 also carries 6.12 (linux-headers-6.12.N+deb12-amd64, from bookworm's security archive).
# Every 6.12 ABI apt offers, found by name (never a build number written here): its headers, the cloud and rt flavours
# of the oldest, and each ABI's linux-image-...-unsigned (the same signed modules as the signed image; only vmlinuz
# lacks its EFI signature). The headers package depends on an image package, which would install a kernel, an
# initramfs and a systemd upgrade on this machine: so only its kbuild and common headers are installed with apt, and
# the arch headers package (Makefile, .config, Module.symvers, the BTF-only vmlinux) is unpacked under DATA/headers,
# where its scripts/ and tools/ links reach the installed kbuild through DATA/headers/usr/lib.
mapfile -t newer_abis < <(apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' \
  | sed -n 's/^linux-headers-\(6\.12\.[0-9]*+deb12\)-amd64 .*/\1/p' | sort -V)
newer_releases=()
newer_build=
newer_headers=
if [ ${#newer_abis[@]} -gt 0 ]; then
  newer_old=${newer_abis[0]}
  newer_new=${newer_abis[${#newer_abis[@]}-1]}
  for abi in "${newer_abis[@]}"; do
    download "linux-headers-$abi-amd64"
    download "linux-image-$abi-amd64-unsigned"
    newer_releases+=("$abi-amd64")
  done
  for flavour in cloud-amd64 rt-amd64; do
    if apt-cache show "linux-headers-$newer_old-$flavour" >/dev/null 2>&1; then
      download "linux-headers-$newer_old-$flavour"
      newer_releases+=("$newer_old-$flavour")
    fi
  done
  newer_build=$newer_new-amd64
  apt_install "linux-kbuild-$newer_new" "linux-headers-$newer_new-common" pahole
  newer_headers="$data/headers/usr/src/linux-headers-$newer_build"
  if [ ! -f "$newer_headers/Module.symvers" ]; then
    rm -rf "$data/headers" && mkdir -p "$data/headers/usr/lib"
    dpkg-deb -x "$data"/debs/linux-headers-"$newer_build"_*.deb "$data/headers"
    ln -s "/usr/lib/linux-kbuild-$newer_new" "$data/headers/usr/lib/linux-kbuild-$newer_new"
  fi
  out="$data/kmods/$newer_build"
  if [ "$(cat "$out/.sources" 2>/dev/null)" != "$sources_hash" ]; then
    echo "prepare-data: building the test kmods against $newer_build" >&2
    "$here/kmods/build.sh" "$newer_headers" "$out"
    echo "$sources_hash" >"$out/.sources"
  fi
else
  echo "prepare-data: WARNING: apt offers no linux-headers-6.12.*+deb12-amd64; the newer-line tests will be skipped" >&2
fi

# The newest 6.1 ABI's headers as packages, for builds against headers kabigate unpacks itself (--headers .deb or
# apt:): the arch package with the common and kbuild packages its Depends names, side by side in their own folder.
mkdir -p "$data/headers-debs"
ln -f "$data"/debs/linux-headers-"$new_release"_*.deb "$data/headers-debs/"
for dep in $(dpkg-deb -f "$data"/debs/linux-headers-"$new_release"_*.deb Depends | tr ',' '\n' | sed 's/^ *//; s/[ (].*//' | grep -E '^linux-(headers-.*-common|kbuild-)'); do
  compgen -G "$data/headers-debs/${dep}_*.deb" >/dev/null || (cd "$data/headers-debs" && apt-get download -q "$dep" >&2)
done

# Two small Debian *-dkms packages with plain kbuild Makefiles, rebuilt from their dkms.conf by the rebuild tests.
apt_install patch
for p in vpoll-dkms acpi-call-dkms; do download "$p"; done

cat >"$data/manifest.env" <<MANIFEST
OLD_RELEASE=$old_release
NEW_RELEASE=$new_release
RELEASES="${releases[*]}"
NEWER_RELEASES="${newer_releases[*]}"
NEWER_BUILD_RELEASE=$newer_build
NEWER_HEADERS=$newer_headers
MANIFEST
{
  echo "# Real test data, prepared by tests/prepare-data.sh on $(date -u +%Y-%m-%d)"
  for deb in "$data"/debs/*.deb; do
    echo "$(basename "$deb") $(dpkg-deb -f "$deb" Package Version | tr '\n' ' ')sha256=$(sha256sum "$deb" | cut -c1-16) (apt-get download)"
  done
  for release in "$old_release" "$new_release"; do
    echo "headers $release: $(dpkg-query -W -f '${Package} ${Version}' "linux-headers-$release") (apt-get install, /usr/src/linux-headers-$release)"
    echo "kmods/$release: tests/kmods built with kbuild against /usr/src/linux-headers-$release ($(gcc --version | head -1))"
  done
  if [ -n "$newer_build" ]; then
    echo "headers $newer_build: $(dpkg-deb -f "$data"/debs/linux-headers-"$newer_build"_*.deb Package Version | tr '\n' ' ')(dpkg-deb -x into headers/), with $(dpkg-query -W -f '${Package} ${Version}' "linux-kbuild-${newer_build%-amd64}") and $(dpkg-query -W -f '${Package} ${Version}' "linux-headers-${newer_build%-amd64}-common") (apt-get install)"
    echo "kmods/$newer_build: tests/kmods built with kbuild against headers/usr/src/linux-headers-$newer_build ($(gcc-12 --version | head -1), $(pahole --version))"
  fi
} >"$data/provenance.txt"
echo "prepare-data: kernels ${releases[*]} ${newer_releases[*]}; kmods built against $old_release, $new_release and ${newer_build:-no 6.12 kernel}" >&2

# Packages, a repository and a driver update disk built from the real ABIs and the test kmods (issue: packages as
# sources). Rebuilt when the kmods or the scripts change.
apt_install rpm createrepo-c xorriso cpio rpm2cpio
pkg_hash=$(cat "$here/rpms/"*.sh "$data/kmods/$old_release/.sources" | sha256sum | cut -c1-16)
pkgs="$data/packages"
if [ "$(cat "$pkgs/.sources" 2>/dev/null)" != "$pkg_hash" ]; then
  echo "prepare-data: building kernel and kmod RPMs, a repository and a driver update disk" >&2
  rm -rf "$pkgs" && mkdir -p "$pkgs/repo" "$pkgs/extra" "$pkgs/dud/rpms/x86_64"
  headers_dir() { # release -> a directory holding its Module.symvers and .config
    local d="$data/scratch/headers-$1"
    if [ ! -f "$d/Module.symvers" ]; then
      mkdir -p "$d"
      dpkg-deb --fsys-tarfile "$data"/debs/linux-headers-"$1"_*.deb | tar -x -C "$d" --strip-components=4 --wildcards '*/Module.symvers' '*/.config'
    fi
    echo "$d"
  }
  payloads=(w2.xzdio w3.zstdio w6.gzdio)
  i=0
  for release in "${releases[@]}"; do
    case "$release" in *-cloud-*|*-rt-*) continue ;; esac
    "$here/rpms/make-kernel-rpm.sh" "$release" "$(headers_dir "$release")/Module.symvers" "$pkgs/repo" kernel-core "${payloads[$((i % 3))]}" rhel
    i=$((i + 1))
  done
  "$here/rpms/make-kernel-rpm.sh" "$old_release" "$(headers_dir "$old_release")/Module.symvers" "$pkgs/extra" kernel-default w2.xzdio suse
  old_kmods=("$data/kmods/$old_release"/kg_{stable,crcchange,provider,consumer}.ko)
  "$here/rpms/make-kmod-rpm.sh" kabigate-test "$old_release" "$(headers_dir "$old_release")/Module.symvers" "$pkgs/repo" w2.xzdio rhel "${old_kmods[@]}"
  "$here/rpms/make-kmod-rpm.sh" kabigate-test-new "$new_release" "$(headers_dir "$new_release")/Module.symvers" "$pkgs/repo" w3.zstdio rhel "$data/kmods/$new_release"/kg_{stable,crcchange}.ko
  "$here/rpms/make-kmod-rpm.sh" kabigate-suse "$old_release" "$(headers_dir "$old_release")/Module.symvers" "$pkgs/extra" w6.gzdio suse "${old_kmods[@]}"
  "$here/rpms/make-kmod-rpm.sh" kabigate-bare "$old_release" "$(headers_dir "$old_release")/Module.symvers" "$pkgs/extra" w2.xzdio none "$data/kmods/$old_release/kg_stable.ko"
  EXTRA_REQUIRES="Requires: kernel(misc_register) = 0xdeadbeef" \
    "$here/rpms/make-kmod-rpm.sh" kabigate-liar "$old_release" "$(headers_dir "$old_release")/Module.symvers" "$pkgs/extra" w2.xzdio rhel "$data/kmods/$old_release/kg_stable.ko"
  createrepo_c -q "$pkgs/repo" >&2
  cp "$pkgs/repo"/kmod-kabigate-test-1.0-*.rpm "$pkgs/dud/rpms/x86_64/"
  printf 'kabigate test driver update disk\n' >"$pkgs/dud/rhdd3"
  xorriso -as mkisofs -quiet -R -J -V KABIGATE_DUD -o "$pkgs/dud.iso" "$pkgs/dud" >&2
  echo "$pkg_hash" >"$pkgs/.sources"
  echo "packages: RPMs by tests/rpms/*.sh with rpmbuild $(rpmbuild --version | awk '{print $3}'), repository by createrepo_c, dud.iso by xorriso" >>"$data/provenance.txt"
fi

# Module signature tests: keys and certificates made with openssl; sign-file comes with the headers above.
apt_install openssl
# Installer images as kernels (issue 15, part 5): Debian's netboot installer package (its linux and initrd.gz, whose
# modules come from the installer's udebs), and the headers of the kernel release it boots when apt still has them
# (the oracle for the ABI the tests recover from its vmlinuz). The boot ISO is built by the tests themselves.
apt_install cpio xz-utils zstd xorriso kmod
installer="$data/installer"
mkdir -p "$installer"
if ! compgen -G "$installer/debian-installer-12-netboot-amd64_*.deb" >/dev/null; then
  echo "prepare-data: apt-get download debian-installer-12-netboot-amd64" >&2
  (cd "$installer" && apt-get download -q debian-installer-12-netboot-amd64 >&2)
fi
netboot_deb=$(compgen -G "$installer/debian-installer-12-netboot-amd64_*.deb" | sort | tail -n 1)
netboot_release=$(dpkg-deb --fsys-tarfile "$netboot_deb" | tar -xO --wildcards '*/text/debian-installer/amd64/initrd.gz' \
  | gzip -dc | cpio -t --quiet 2>/dev/null | sed -n 's|^lib/modules/\([^/]*\)/.*|\1|p' | sort -u | tail -n 1 || true)
if [ -n "$netboot_release" ] && ! compgen -G "$data/debs/linux-headers-${netboot_release}_*.deb" >/dev/null \
  && ! compgen -G "$installer/linux-headers-${netboot_release}_*.deb" >/dev/null \
  && apt-cache show "linux-headers-$netboot_release" >/dev/null 2>&1; then
  (cd "$installer" && apt-get download -q "linux-headers-$netboot_release" >&2)
fi
echo "NETBOOT_RELEASE=$netboot_release" >>"$data/manifest.env"
echo "installer: $(basename "$netboot_deb") $(dpkg-deb -f "$netboot_deb" Version) sha256=$(sha256sum "$netboot_deb" | cut -c1-16) (apt-get download); boots $netboot_release" >>"$data/provenance.txt"
