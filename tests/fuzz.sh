#!/usr/bin/env bash
# Coverage-guided fuzzing of every reader: AFL++ (Debian's afl++) drives tests/Kabigate.Fuzz, whose readers
# (Kabigate.Formats, Kabigate.Abi, Tomlyn) are instrumented by SharpFuzz.
#   tests/fuzz.sh TARGET SECONDS   fuzz one target (tests/fuzz.sh list names them) for SECONDS
#   tests/fuzz.sh all SECONDS      fuzz every target, one after another, SECONDS each
# A crash is any exception a reader does not document (ModuleFormatException, for the policy also IOException),
# an OutOfMemoryException under the heap limit below, or a stack overflow; a hang is an input that runs longer than
# the per-execution timeout. Both are saved under WORK/crashes/TARGET/ and make the exit status 1.
# Environment: KABIGATE_FUZZ_WORK (default .build/fuzz in the checkout), KABIGATE_FUZZ_TIMEOUT_MS (per execution,
# default 2000), KABIGATE_FUZZ_HEAP_MB (the GC heap limit of the target, default 512), KABIGATE_FUZZ_JOBS (targets
# fuzzed at once, default 1).
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(dirname "$here")
target=${1:?usage: tests/fuzz.sh TARGET|all|list SECONDS}
work=${KABIGATE_FUZZ_WORK:-$root/.build/fuzz}
timeout_ms=${KABIGATE_FUZZ_TIMEOUT_MS:-2000}
heap_mb=${KABIGATE_FUZZ_HEAP_MB:-512}

if ! command -v afl-fuzz >/dev/null; then
  echo "fuzz: installing afl++" >&2
  if [ "$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q afl++ >&2
  else sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q afl++ >&2; fi
fi

# Build the harness into a fresh folder, then instrument the readers' assemblies in place; a build of the same sources
# (the readers, the harness, the fixture builders it links) is reused.
bin=$work/bin
mkdir -p "$work/findings"
inputs=$(cd "$root" && find Directory.Build.props global.json .config src/Kabigate.Abi src/Kabigate.Formats tests/Kabigate.Fuzz \
    tests/Kabigate.Tests/Support tests/Kabigate.Tests/Formats/Rpm/RpmBytes.cs tests/Kabigate.Tests/Formats/Deb/DebFixtures.cs \
    \( -name bin -o -name obj \) -prune -o -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.json' \) -print \
  | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-64)
if [ "$(cat "$bin/.sources" 2>/dev/null)" != "$inputs" ]; then
  rm -rf "$bin"
  (cd "$root" && dotnet tool restore >/dev/null)
  dotnet publish "$here/Kabigate.Fuzz/Kabigate.Fuzz.csproj" -c Release -o "$bin" --nologo -v quiet >"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; echo "fuzz: the harness does not build" >&2; exit 1; }
  for assembly in Kabigate.Formats.dll Kabigate.Abi.dll Tomlyn.dll; do
    (cd "$root" && dotnet tool run sharpfuzz "$bin/$assembly") >>"$work/build.log" 2>&1 \
      || { cat "$work/build.log" >&2; echo "fuzz: sharpfuzz cannot instrument $assembly" >&2; exit 1; }
  done
  echo "$inputs" >"$bin/.sources"
fi
harness=("$(command -v dotnet)" "$bin/Kabigate.Fuzz.dll")

if [ "$target" = list ]; then "${harness[@]}" list; exit 0; fi
seconds=${2:?usage: tests/fuzz.sh TARGET|all SECONDS}
mapfile -t known < <("${harness[@]}" list)
if [ "$target" = all ]; then targets=("${known[@]}")
elif printf '%s\n' "${known[@]}" | grep -qx -- "$target"; then targets=("$target")
else echo "fuzz: unknown target '$target' (known: ${known[*]})" >&2; exit 2; fi

rm -rf "$work/seeds"
"${harness[@]}" seeds "$work/seeds" >/dev/null

# This container has no CPU frequency governor, cores shared with other work and no core_pattern control.
export AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_FAST_CAL=1
# The target is `dotnet`, which AFL cannot see the instrumentation of: SharpFuzz writes the coverage map itself.
export AFL_SKIP_BIN_CHECK=1
# .NET reserves far more address space than it uses, so AFL's -m cannot bound it; the GC heap limit does, and an
# allocation past it is an OutOfMemoryException, which counts as a crash.
export DOTNET_GCHeapHardLimit=$(printf '0x%x' $((heap_mb << 20))) DOTNET_TieredPGO=0 DOTNET_CLI_TELEMETRY_OPTOUT=1

# One target: afl-fuzz for SECONDS (its calibration included), then a line saying what it did, in WORK/TARGET.result.
fuzz_one() {
  local t=$1 out=$work/findings/$1 dict=() rc=0
  rm -rf "$out" "$work/crashes/$t" "$work/$t.result"
  [ -f "$here/Kabigate.Fuzz/dictionaries/$t.dict" ] && dict=(-x "$here/Kabigate.Fuzz/dictionaries/$t.dict")
  afl-fuzz -V "$seconds" -t "$timeout_ms" -m none "${dict[@]}" -i "$work/seeds/$t" -o "$out" -- "${harness[@]}" "$t" >"$work/$t.log" 2>&1 || rc=$?
  local stats=$out/default/fuzzer_stats
  if [ ! -f "$stats" ]; then
    tail -n 20 "$work/$t.log" >&2
    echo "fuzz $t: afl-fuzz did not run (exit $rc; log: $work/$t.log)" >"$work/$t.result"
    return
  fi
  stat() { sed -n "s/^$1 *: *//p" "$stats"; }
  local execs crashes hangs line
  execs=$(stat execs_done); crashes=$(stat saved_crashes); hangs=$(stat saved_hangs)
  line="fuzz $t: $execs executions in $seconds s, $(stat corpus_count) inputs in the corpus, $crashes crashes, $hangs hangs"
  if [ "$crashes" != 0 ] || [ "$hangs" != 0 ]; then
    mkdir -p "$work/crashes/$t"
    find "$out/default/crashes" "$out/default/hangs" -type f -name 'id:*' -exec cp {} "$work/crashes/$t/" \;
    line="$line: inputs saved in $work/crashes/$t (replay: dotnet $bin/Kabigate.Fuzz.dll replay $t FILE)"
  fi
  echo "$line" >"$work/$t.result"
}

# KABIGATE_FUZZ_JOBS targets at a time (default 1; ./test uses every core).
jobs=${KABIGATE_FUZZ_JOBS:-1}
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz_one "$t" &
done
wait

status=0
total_execs=0
for t in "${targets[@]}"; do
  line=$(cat "$work/$t.result" 2>/dev/null || echo "fuzz $t: no result")
  echo "$line"
  case "$line" in
    *" 0 crashes, 0 hangs") total_execs=$((total_execs + $(sed 's/^fuzz [^:]*: \([0-9]*\) executions.*/\1/' <<<"$line"))) ;;
    *) status=1 ;;
  esac
done
[ ${#targets[@]} -gt 1 ] && echo "fuzz: ${#targets[@]} targets, $total_execs executions, $([ $status = 0 ] && echo 'no crash or hang' || echo 'FAILED')"
exit $status
