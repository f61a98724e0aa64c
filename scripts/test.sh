#!/usr/bin/env bash
# Runs every test of the workspace on a fresh machine: installs the test servers (moto) first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --workspace --locked "$@"
