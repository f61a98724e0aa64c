#!/usr/bin/env bash
# Cold start of every function against a hello-world lambda_runtime binary (issue 19 item 4):
# builds them all with the `perf` profile (release without LTO), then runs
# tests/benches/cold_start.rs, which prints a Markdown table (docs/benchmarks.md, "Cold start").
# RUNS (default 30) starts of each binary, interleaved.
#
#   bash scripts/bench-cold-start.sh            # the binaries as built (position-independent)
#   bash scripts/bench-cold-start.sh --no-pie   # and the same binaries relinked as non-PIE
#
# --no-pie copies the built binaries to <target>/cold-start/pie, relinks each one's final crate
# with `-C link-arg=-no-pie` (`cargo rustc`: the dependencies are not rebuilt) into
# <target>/cold-start/nopie, and runs the bench on both, one after the other. A measurement of
# what relocating a position-independent executable costs at start, not how the Lambda
# artifacts are built (docs/benchmarks.md, "Cold start", session 15, says why).
set -euo pipefail
cd "$(dirname "$0")/.."
no_pie=false
for arg in "$@"; do
  case "$arg" in
    --no-pie) no_pie=true ;;
    *) echo "usage: $0 [--no-pie]" >&2; exit 2 ;;
  esac
done
functions=(case-collab po-exception contract-share shipment-delay supplier-onboarding recall-campaign order-reconcile)
packages=()
for f in "${functions[@]}"; do packages+=(--package "$f"); done
cargo build --profile perf --locked --bins "${packages[@]}"
cargo build --profile perf --locked -p gridlink-tests --example hello_lambda --bench cold_start
target="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)"
if ! $no_pie; then
  GRIDLINK_BIN_DIR="$target/perf" cargo bench --profile perf --locked -p gridlink-tests --bench cold_start
  exit 0
fi
dirs="$target/cold-start"
rm -rf "$dirs"
mkdir -p "$dirs/pie/examples" "$dirs/nopie/examples"
for f in "${functions[@]}"; do cp "$target/perf/$f" "$dirs/pie/"; done
cp "$target/perf/examples/hello_lambda" "$dirs/pie/examples/"
for f in "${functions[@]}"; do
  cargo rustc --quiet --profile perf --locked -p "$f" --bin "$f" -- -C link-arg=-no-pie
  cp "$target/perf/$f" "$dirs/nopie/"
done
cargo rustc --quiet --profile perf --locked -p gridlink-tests --example hello_lambda -- -C link-arg=-no-pie
cp "$target/perf/examples/hello_lambda" "$dirs/nopie/examples/"
# The next plain build relinks them as position-independent again.
for kind in pie nopie; do
  echo "== $kind"
  GRIDLINK_BIN_DIR="$dirs/$kind" cargo bench --profile perf --locked -p gridlink-tests --bench cold_start
done
