# Sourced by bench/matrix and bench/engine: the in-tree modules of linux-image-<OLD> unpacked under
# $data/bench-matrix/root, and the Module.symvers (+ .config, utsrelease.h) of every prepared 6.1 ABI under
# $data/bench-matrix/headers/<release>. Needs $data and the manifest's variables; sets work, root, tree, kernels, modules.
work="$data/bench-matrix"
mkdir -p "$work"

root="$work/root"
tree="$root/lib/modules/$OLD_RELEASE"
if [ ! -d "$tree/kernel" ]; then
  echo "bench: unpacking linux-image-$OLD_RELEASE" >&2
  rm -rf "$root" && mkdir -p "$root"
  dpkg-deb -x "$data"/debs/linux-image-"$OLD_RELEASE"_*.deb "$root"
fi
kernels=()
for release in $RELEASES; do
  dir="$work/headers/$release"
  if [ ! -f "$dir/Module.symvers" ]; then
    mkdir -p "$dir"
    dpkg-deb --fsys-tarfile "$data"/debs/linux-headers-"$release"_*.deb \
      | tar -x -C "$dir" --strip-components=4 --wildcards '*/Module.symvers' '*/.config' '*/include/generated/utsrelease.h'
  fi
  [ "$release" = "$OLD_RELEASE" ] || ln -sfn "$OLD_RELEASE" "$root/lib/modules/$release"
  kernels+=("$release")
done
modules=$(find "$tree" -name '*.ko*' | wc -l)
