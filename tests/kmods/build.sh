#!/usr/bin/env bash
# Builds the test kmods with the real kbuild of one kernel's headers.
# usage: tests/kmods/build.sh /usr/src/linux-headers-RELEASE OUTDIR
# Writes OUTDIR/<module>.ko only; the build happens in OUTDIR.build (sources copied there, the tree stays clean,
# build.log and each module's Module.symvers stay there).
set -euo pipefail
headers=${1:?headers directory}
out=${2:?output directory}
here=$(cd "$(dirname "$0")" && pwd)
work="$out.build"
rm -rf "$out" "$work" && mkdir -p "$out" "$work/src"
cp -r "$here"/kg_* "$work/src/"
log="$work/build.log"
: >"$log"

build() { # module, extra make arguments...
  local module=$1; shift
  make -s -C "$headers" M="$work/src/$module" "$@" modules >>"$log" 2>&1 || {
    echo "kbuild failed for $module against $headers; see $log" >&2
    tail -20 "$log" >&2
    exit 1
  }
  cp "$work/src/$module/$module.ko" "$out/"
}

build kg_stable
build kg_crcchange
build kg_provider
build kg_consumer KBUILD_EXTRA_SYMBOLS="$work/src/kg_provider/Module.symvers"
# modpost refuses these two at build time; the point is that the loader refuses them too.
build kg_proprietary KBUILD_MODPOST_WARN=1
build kg_nsmissing KBUILD_MODPOST_WARN=1
build kg_noversions CONFIG_MODVERSIONS=
echo "built $(ls "$out"/*.ko | wc -l) kmods against $headers" >>"$log"
