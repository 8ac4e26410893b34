#!/usr/bin/env bash
# Runs the libFuzzer targets of a SLUICE_FUZZ build, one after the other.
#
#   tests/fuzz/run_fuzzers.sh <build dir> <seconds per target> [smoke|long] [target...]
#
# Each target first replays tests/fuzz/regressions/<target>/ (inputs that
# once crashed it), then fuzzes for the given time from tests/fuzz/corpus/
# <target>/ plus those regressions. `smoke` (make test) grows a throw-away
# corpus; `long` (make fuzz) keeps what it finds in <build dir>/fuzz-corpus/
# <target>/ for the next run. Full output goes to <build dir>/fuzz-logs/;
# crashing inputs to <build dir>/fuzz-artifacts/. Prints libFuzzer's final
# stats per target and exits non-zero if any target crashed.
set -euo pipefail

build=${1:?build dir}
seconds=${2:?seconds per target}
mode=${3:-smoke}
shift $(( $# < 3 ? $# : 3 ))
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(request record_batch legacy_message_set segment_recovery properties
                                      avro_schema json_schema protobuf_schema schemas_records schema_id_check)

mkdir -p "$build/fuzz-logs" "$build/fuzz-artifacts"
scratch=""
if [ "$mode" = smoke ]; then
  scratch=$(mktemp -d /tmp/sluice-fuzz-corpus-XXXXXX)
  trap 'rm -rf "$scratch"' EXIT
fi
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

failed=()
for t in "${targets[@]}"; do
  bin="$build/bin/sluice_fuzz_$t"
  log="$build/fuzz-logs/$t.log"
  [ -x "$bin" ] || { echo "fuzz $t: $bin missing (build it with make build-fuzz)"; failed+=("$t"); continue; }
  if [ "$mode" = smoke ]; then work="$scratch/$t"; else work="$build/fuzz-corpus/$t"; fi
  mkdir -p "$work"
  seeds=("$here/corpus/$t")
  regressions=("$here/regressions/$t"/*)
  [ -e "${regressions[0]}" ] || regressions=()
  [ ${#regressions[@]} -eq 0 ] || seeds+=("$here/regressions/$t")
  opts=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "-artifact_prefix=$build/fuzz-artifacts/$t-")
  [ -f "$here/$t.dict" ] && opts+=("-dict=$here/$t.dict")

  ok=1
  : > "$log"
  if [ ${#regressions[@]} -gt 0 ]; then
    "$bin" "${opts[@]}" "${regressions[@]}" >> "$log" 2>&1 || ok=0
  fi
  if [ $ok = 1 ]; then
    "$bin" "${opts[@]}" -max_total_time="$seconds" "$work" "${seeds[@]}" >> "$log" 2>&1 || ok=0
  fi
  if [ $ok = 1 ]; then
    stats=$(grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" | tail -3 |
            sed 's/^stat:://' | tr '\n' ' ')
    echo "fuzz $t: ok, ${#regressions[@]} regressions replayed, $(ls "$work" | wc -l) inputs in its corpus; $stats"
  else
    echo "fuzz $t: FAILED (full output in $log)"
    tail -n 60 "$log" | sed 's/^/    /'
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}; crashing inputs in $build/fuzz-artifacts/"
  exit 1
fi
