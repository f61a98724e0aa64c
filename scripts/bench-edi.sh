#!/usr/bin/env bash
# EDI throughput, gridlink-edi side by side with the fastest installable peers (issue 19 item 2):
# `edi` 0.4 for X12 and `edifact-parser` 0.38 for EDIFACT, each at the level it works at (every
# segment split into its elements, the envelope checks it has), and a memchr count of the
# segment terminators (the ceiling), all over the same generated files in one run.
#
#   bash scripts/bench-edi.sh          # whole-process figures: CLI against the peers' binaries
#   bash scripts/bench-edi.sh --lib    # and criterion, library against library (adds ~5 min)
#
# Environment: BENCH_EDI_MB (file size, 50), BENCH_EDI_RUNS (timed runs per command, 5),
# BENCH_EDI_PROFILE (cargo profile for gridlink-edi, release; `perf` builds faster),
# BENCH_EDI_DIR (work directory, target/bench-edi).
#
# The peers are installed from crates.io into a throw-away Cargo project under BENCH_EDI_DIR
# (its own workspace, outside gridlink's: they never enter Cargo.lock); its sources are the .rs
# files beside this script. Figures are medians of wall-clock time; peak RSS from
# /usr/bin/time. The machine is shared: write `uptime`'s load next to any figure you keep
# (the script prints it before and after).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
MB=${BENCH_EDI_MB:-50}
RUNS=${BENCH_EDI_RUNS:-5}
PROFILE=${BENCH_EDI_PROFILE:-release}
DIR=${BENCH_EDI_DIR:-$ROOT/target/bench-edi}
LIB=false
for arg in "$@"; do
  case "$arg" in
    --lib) LIB=true ;;
    *) echo "usage: $0 [--lib]" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
mkdir -p "$DIR"

echo "== building gridlink-edi ($PROFILE)" >&2
cargo build --quiet --profile "$PROFILE" -p gridlink-edi --bin gridlink-edi --example generate_batch
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
PROFILE_DIR=$PROFILE
[ "$PROFILE" = dev ] && PROFILE_DIR=debug
GRIDLINK=$TARGET/$PROFILE_DIR/gridlink-edi
GENERATE=$TARGET/$PROFILE_DIR/examples/generate_batch

X12=$DIR/orders-${MB}MB.x12
EDIFACT=$DIR/invoices-${MB}MB.edi
[ -s "$X12" ] || "$GENERATE" x12 orders "$MB" >"$X12"
[ -s "$EDIFACT" ] || "$GENERATE" edifact invoices "$MB" >"$EDIFACT"

echo "== installing the peers (edi 0.4, edifact-parser 0.38) in $DIR/peers" >&2
PEERS=$DIR/peers
mkdir -p "$PEERS/src/bin" "$PEERS/benches"
cat >"$PEERS/Cargo.toml" <<EOF
[package]
name = "bench-edi-peers"
version = "0.0.0"
edition = "2024"
publish = false

# Its own workspace: nothing here enters gridlink's.
[workspace]

[dependencies]
edi = "=0.4.0"
edifact-parser = "=0.38.0"
edifact-primitives = "=0.38.0"
memchr = "2"

[dev-dependencies]
gridlink-edi = { path = "$ROOT/shared/edi" }
criterion = { version = "0.8", default-features = false, features = ["cargo_bench_support"] }

[[bench]]
name = "side_by_side"
harness = false

[profile.release]
codegen-units = 1
lto = "fat"
EOF
cp scripts/bench-edi/edi_x12.rs "$PEERS/src/bin/edi-x12.rs"
cp scripts/bench-edi/edifact_parser.rs "$PEERS/src/bin/edifact-parser.rs"
cp scripts/bench-edi/memchr_count.rs "$PEERS/src/bin/memchr-count.rs"
cp scripts/bench-edi/tokenise_floor.rs "$PEERS/src/bin/tokenise-floor.rs"
cp scripts/bench-edi/side_by_side.rs "$PEERS/benches/side_by_side.rs"
printf 'fn main() {}\n' >"$PEERS/src/main.rs"
(cd "$PEERS" && cargo build --quiet --release --bins --target-dir "$PEERS/target")
BIN=$PEERS/target/release

# One timed run: prints "wall_seconds cpu_seconds peak_kib", fails when the command fails.
run_once() {
  local usage=$DIR/run.usage start end
  start=$EPOCHREALTIME
  if ! /usr/bin/time -f '%U %S %M' -o "$usage" "$@" >/dev/null 2>"$DIR/run.err"; then
    # `check` exits 1 on a rejected file: the generated files must be clean.
    echo "FAILED: $*" >&2
    cat "$DIR/run.err" >&2
    return 1
  fi
  end=$EPOCHREALTIME
  awk -v a="$start" -v b="$end" 'END { printf "%.6f %.2f %d\n", b - a, $1 + $2, $3 }' "$usage"
}

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# add NAME FILE COMMAND...: one command to time; every round runs each command once, in turn,
# so that a change in the machine's load hits them all alike.
declare -a NAMES=() FILES=() COMMANDS=()
add() { NAMES+=("$1"); FILES+=("$2"); shift 2; COMMANDS+=("$*"); }

add "memchr count of '~'" "$X12" "$BIN/memchr-count" "$X12" "~"
add "one-pass tokeniser floor" "$X12" "$BIN/tokenise-floor" "$X12"
add "the floor, 64-byte blocks" "$X12" "$BIN/tokenise-floor" --blocks "$X12"
add "edi 0.4: parse + every element" "$X12" "$BIN/edi-x12" "$X12"
add "gridlink-edi check" "$X12" "$GRIDLINK" check "$X12"
add "gridlink-edi json" "$X12" "$GRIDLINK" json "$X12"
add "memchr count of \"'\"" "$EDIFACT" "$BIN/memchr-count" "$EDIFACT" "'"
add "one-pass tokeniser floor" "$EDIFACT" "$BIN/tokenise-floor" "$EDIFACT"
add "the floor, 64-byte blocks" "$EDIFACT" "$BIN/tokenise-floor" --blocks "$EDIFACT"
add "edifact-parser 0.38: parse + every component" "$EDIFACT" "$BIN/edifact-parser" "$EDIFACT"
add "gridlink-edi check" "$EDIFACT" "$GRIDLINK" check "$EDIFACT"
add "gridlink-edi json" "$EDIFACT" "$GRIDLINK" json "$EDIFACT"

echo "== load before: $(uptime)" >&2
: >"$DIR/times"
for round in $(seq 0 "$RUNS"); do
  for i in "${!NAMES[@]}"; do
    # shellcheck disable=SC2086 # the command is a word list
    result=$(run_once ${COMMANDS[$i]})
    [ "$round" -eq 0 ] || echo "$i $result" >>"$DIR/times"
  done
done
LOAD_AFTER=$(uptime)

echo
echo "gridlink-edi and its peers, whole process, median of $RUNS runs after a warm-up ($PROFILE build)"
echo "$(nproc) cores; load after: ${LOAD_AFTER##*load average: }"
echo "wall: elapsed time; cpu: user + system time (less sensitive to a loaded machine)"
printf '%-46s %-18s %7s %7s %7s %7s %7s  %s\n' "command" "file" "wall s" "MB/s" "cpu s" "MB/s" "RSS MiB" \
  "ratio (wall; cpu)"
declare -A WALL CPU
for i in "${!NAMES[@]}"; do
  file=${FILES[$i]}
  bytes=$(stat -c %s "$file")
  wall=$(awk -v i="$i" '$1 == i { print $2 }' "$DIR/times" | median)
  cpu=$(awk -v i="$i" '$1 == i { print $3 }' "$DIR/times" | median)
  rss=$(awk -v i="$i" '$1 == i { print $4 }' "$DIR/times" | sort -g | tail -n1)
  WALL[$i]=$(awk -v b="$bytes" -v s="$wall" 'BEGIN { printf "%.3f", b / s / 1e6 }')
  CPU[$i]=$(awk -v b="$bytes" -v s="$cpu" 'BEGIN { printf "%.3f", (s > 0 ? b / s / 1e6 : 0) }')
  ratio=""
  case "${NAMES[$i]}" in
    gridlink-edi*)
      # Rows per syntax: memchr, floor, block floor, peer, check, json.
      peer=$((i < 6 ? 3 : 9))
      floor=$((i < 6 ? 1 : 7))
      blocks=$((floor + 1))
      ratio=$(awk -v w="${WALL[$i]}" -v pw="${WALL[$peer]}" -v c="${CPU[$i]}" -v pc="${CPU[$peer]}" \
        -v fw="${WALL[$floor]}" -v bw="${WALL[$blocks]}" \
        'BEGIN { printf "%.2fx; %.2fx the peer, %.0f %% / %.0f %% of the floors (wall)", w / pw, (pc > 0 ? c / pc : 0), 100 * w / fw, 100 * w / bw }')
      ;;
  esac
  printf '%-46s %-18s %7.3f %7.1f %7.2f %7.1f %7.1f  %s\n' "${NAMES[$i]}" "$(basename "$file")" \
    "$wall" "${WALL[$i]}" "$cpu" "${CPU[$i]}" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$ratio"
done

if $LIB; then
  echo
  echo "== criterion, library against library (load before: $(uptime))"
  (cd "$PEERS" && BENCH_EDI_X12=$X12 BENCH_EDI_EDIFACT=$EDIFACT cargo bench --quiet --bench side_by_side --target-dir "$PEERS/target" 2>&1 |
    grep -E '^(x12|edifact)/|thrpt:')
  echo "load after: $(uptime)"
fi
