#!/usr/bin/env bash
# Cold start of every function against a hello-world lambda_runtime binary (issue 19 item 4):
# builds them all with the `perf` profile (release without LTO), then runs
# tests/benches/cold_start.rs, which prints a Markdown table (docs/benchmarks.md, "Cold start").
# RUNS (default 30) starts of each binary, interleaved.
set -euo pipefail
cd "$(dirname "$0")/.."
functions=(case-collab po-exception contract-share shipment-delay supplier-onboarding recall-campaign order-reconcile)
packages=()
for f in "${functions[@]}"; do packages+=(--package "$f"); done
cargo build --profile perf --locked --bins "${packages[@]}"
cargo build --profile perf --locked -p gridlink-tests --example hello_lambda
target="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)"
GRIDLINK_BIN_DIR="$target/perf" cargo bench --profile perf --locked -p gridlink-tests --bench cold_start
