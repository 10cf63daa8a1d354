#!/usr/bin/env bash
# The oracle for `kabigate weak-updates`: weak-modules' method (RHEL kmod's weak-modules --add-kernel, with SUSE
# weak-modules2's flavour rule), written from its description in REFERENCE.md §2, run for every kernel of a root.
#
# For each kernel T with a symvers (ROOT/lib/modules/T/symvers.gz or ROOT/boot/symvers-T.gz), from an empty
# weak-updates/: walk the other kernels that have modules in extra/ or updates/, newest first (sort -V -r), skipping
# other flavours; group each one's modules the way weak-modules' make_groups does (modules.dep of `depmod -n` on that
# kernel: a module and the extra/updates modules it needs); link the modules whose names T does not have yet (its own
# extra/updates modules, or an earlier link) into a sandbox copy of T's weak-updates/ and run
# `depmod -C CONF -b SANDBOX -naeE SYMVERS T` with weak-modules' search order (updates extra built-in weak-updates):
# single-module groups all at once, dropping every link depmod flags with "needs unknown symbol" or "disagrees about
# version of symbol" until it flags none; every other group alone, kept only if depmod flags none of it.
#
# usage: tests/weak-modules-loop.sh ROOT > decisions
# prints one line per link it would make: KERNEL LINK TARGET (LINK below lib/modules/KERNEL, TARGET as the system
# sees it), sorted; and on stderr the number of depmod runs.
set -euo pipefail
root=$(cd "$1" && pwd)
mods="$root/lib/modules"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
conf="$work/depmod.conf"
echo "search updates extra built-in weak-updates" >"$conf"

flavour() { echo "${1#*-*-}"; } # Debian: X.Y.Z-ABI-FLAVOUR
name_of() { basename "$1" | sed -E 's/\.ko(\.(xz|gz|zst))?$//; s/-/_/g'; }
symvers_of() {
  local f
  for f in "$mods/$1/symvers".{gz,xz,zst} "$mods/$1/symvers" "$root/boot/symvers-$1".{gz,xz,zst} "$root/boot/symvers-$1"; do
    [ -e "$f" ] && { echo "$f"; return 0; }
  done
  return 1
}
outoftree() { # the out-of-tree modules of a kernel, updates/ first, as paths below its directory
  local k=$1 d
  for d in updates extra; do
    [ -d "$mods/$k/$d" ] && (cd "$mods/$k" && find "$d" \( -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.gz' -o -name '*.ko.zst' \) | LC_ALL=C sort)
  done
  return 0
}

# make_groups: modules.dep of the providing kernel, each extra/updates module with the extra/updates modules it
# needs; a module already in a group starts none; a group absorbs the earlier groups named by its members.
declare -A groups grouped
make_groups() {
  local k=$1 line first mod
  groups=()
  grouped=()
  while read -r line; do
    read -ra parts <<<"${line/:/}"
    first=${parts[0]}
    [[ $first =~ ^(extra|updates)/ ]] || continue
    [[ -n ${grouped[$first]:-} ]] && continue
    for mod in "${parts[@]}"; do
      [[ $mod =~ ^(extra|updates)/ ]] || continue
      unset "groups[$mod]"
      groups[$first]+=" $mod"
      grouped[$mod]=$first
    done
  done < <(depmod -n -b "$root" "$k" 2>/dev/null | awk 'BEGIN { pr = 1 } /^#/ { pr = 0 } pr == 1')
}

# One depmod pass over the sandbox; prints the weak-updates links it flags.
flagged() {
  local t=$1
  echo >>"$work/runs"
  depmod -C "$conf" -b "$sandbox" -naeE "$work/symvers-$t" "$t" 2>&1 >/dev/null \
    | grep -F "$sandbox/lib/modules/$t/weak-updates/" \
    | awk '/needs unknown symbol|disagrees about version of symbol/ { print $3 }' | sort -u || true
}

link_path() { echo "$sandbox/lib/modules/$1/weak-updates/${2#*/}"; } # weak-updates/ + the path below extra/ or updates/

providers=$(for k in $(ls "$mods"); do [ -n "$(outoftree "$k")" ] && echo "$k"; done | sort -V -r)
for t in $(ls "$mods" | LC_ALL=C sort); do
  symvers=$(symvers_of "$t") || continue
  case $symvers in
    *.gz) zcat "$symvers" ;; *.xz) xzcat "$symvers" ;; *.zst) zstdcat -q "$symvers" ;; *) cat "$symvers" ;;
  esac >"$work/symvers-$t"
  sandbox="$work/root-$t"
  mkdir -p "$sandbox/lib/modules/$t/weak-updates"
  for entry in "$mods/$t"/*; do
    [ "$(basename "$entry")" = weak-updates ] || ln -s "$entry" "$sandbox/lib/modules/$t/$(basename "$entry")"
  done
  declare -A taken=()
  while read -r m; do [ -n "$m" ] && taken[$(name_of "$m")]=1; done < <(outoftree "$t")

  for p in $providers; do
    [ "$p" != "$t" ] && [ "$(flavour "$p")" = "$(flavour "$t")" ] || continue
    make_groups "$p"
    singles=()
    multis=()
    for g in "${!groups[@]}"; do
      if [ "$(wc -w <<<"${groups[$g]}")" -eq 1 ]; then singles+=(${groups[$g]}); else multis+=("${groups[$g]}"); fi
    done
    # discard_installed: names the kernel has, or took from a newer kernel, are not offered again.
    offered=()
    for m in "${singles[@]}"; do [ -n "${taken[$(name_of "$m")]:-}" ] || offered+=("$m"); done
    singles=("${offered[@]}")

    # Independent modules in one run, incompatible links dropped until depmod is quiet.
    for m in "${singles[@]}"; do
      l=$(link_path "$t" "$m")
      mkdir -p "$(dirname "$l")" && ln -sf "$mods/$p/$m" "$l"
    done
    if [ ${#singles[@]} -gt 0 ]; then
      while bad=$(flagged "$t") && [ -n "$bad" ]; do
        while read -r l; do rm -f "$l"; done <<<"$bad"
      done
    fi
    for m in "${singles[@]}"; do
      [ -L "$(link_path "$t" "$m")" ] && taken[$(name_of "$m")]=1
    done

    # Each group alone, without what is taken by now: all or nothing.
    for group in "${multis[@]}"; do
      members=()
      for m in $group; do [ -n "${taken[$(name_of "$m")]:-}" ] || members+=("$m"); done
      [ ${#members[@]} -gt 0 ] || continue
      for m in "${members[@]}"; do
        l=$(link_path "$t" "$m")
        mkdir -p "$(dirname "$l")" && ln -sf "$mods/$p/$m" "$l"
      done
      if [ -n "$(flagged "$t")" ]; then
        for m in "${members[@]}"; do rm -f "$(link_path "$t" "$m")"; done
      else
        for m in "${members[@]}"; do taken[$(name_of "$m")]=1; done
      fi
    done
  done
  (cd "$sandbox/lib/modules/$t" && find weak-updates -type l | LC_ALL=C sort) | while read -r l; do
    echo "$t $l $(readlink "$sandbox/lib/modules/$t/$l" | sed "s|^$root||")"
  done
  unset taken
done | LC_ALL=C sort
echo "depmod runs: $(cat "$work/runs" 2>/dev/null | wc -l)" >&2
