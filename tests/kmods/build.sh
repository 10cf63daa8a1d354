#!/usr/bin/env bash
# Builds the test kmods with the real kbuild of one kernel's headers.
# usage: tests/kmods/build.sh /usr/src/linux-headers-RELEASE OUTDIR
# Writes OUTDIR/<module>.ko and OUTDIR/build.log; sources are copied, the tree stays clean.
set -euo pipefail
headers=${1:?headers directory}
out=${2:?output directory}
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out" && mkdir -p "$out/src"
cp -r "$here"/kg_* "$out/src/"
log="$out/build.log"
: >"$log"

build() { # module, extra make arguments...
  local module=$1; shift
  make -s -C "$headers" M="$out/src/$module" "$@" modules >>"$log" 2>&1 || {
    echo "kbuild failed for $module against $headers; see $log" >&2
    tail -20 "$log" >&2
    exit 1
  }
  cp "$out/src/$module/$module.ko" "$out/"
}

build kg_stable
build kg_crcchange
build kg_provider
build kg_consumer KBUILD_EXTRA_SYMBOLS="$out/src/kg_provider/Module.symvers"
# modpost refuses these two at build time; the point is that the loader refuses them too.
build kg_proprietary KBUILD_MODPOST_WARN=1
build kg_nsmissing KBUILD_MODPOST_WARN=1
build kg_noversions CONFIG_MODVERSIONS=
echo "built $(ls "$out"/*.ko | wc -l) kmods against $headers" >>"$log"
