#!/usr/bin/env bash
# Builds every function under functions/ for AWS Lambda (provided.al2023, arm64) with cargo-lambda,
# into <lambda dir>/<name>/bootstrap, then checks that each bootstrap still unwinds on panic.
#
#   scripts/build-lambdas.sh [name ...]     build (all functions, or the ones named), then check
#   scripts/build-lambdas.sh --check FILE…  only check already-built binaries (any architecture)
#
# Environment: CARGO_TARGET_DIR (default: <repo>/target); LAMBDA_DIR (default: $CARGO_TARGET_DIR/lambda).
# Needs: cargo-lambda 1.9.2 with zig (`pip install cargo-lambda==1.9.2`) and the Rust target
# aarch64-unknown-linux-gnu (`rustup target add aarch64-unknown-linux-gnu`). The script says which
# is missing and exits 2 before building anything.
#
# Not part of CI: seven fat-LTO release builds take many minutes on two cores. `sam build` builds
# the same artifacts itself (BuildMethod: rust-cargolambda); this script is for checking them
# before a deploy, and for deploying prebuilt binaries. See docs/deploy.md.
#
# The panic check. cargo-lambda passes panic="abort" unless the project's release profile settles
# the strategy; the workspace profile says panic = "unwind" so a handler panic costs one failed
# invoke (lambda_runtime catches it) instead of the process. A stripped binary has no symbol
# names, but the panic runtime linked into it leaves messages behind that strip does not remove:
#   - panic_unwind pulls in std's "Rust panics must be rethrown" and "failed to initiate panic"
#     aborts (reached only when an unwinding panic goes wrong), which fat LTO drops otherwise;
#   - panic_abort carries the source path ".../library/panic_abort/src/lib.rs".
# A bootstrap passes when it has the unwind markers and not the abort one. This proves which
# panic runtime was linked, i.e. the strategy the binary was built with; it does not run the
# binary. (Checked both ways on a probe built with panic="unwind", panic="abort" and no setting:
# the last two carry the abort marker and lack the unwind ones.)
set -euo pipefail
caller_dir="$PWD"
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

readonly TARGET_TRIPLE=aarch64-unknown-linux-gnu
readonly UNWIND_MARKERS=("Rust panics must be rethrown" "failed to initiate panic")
readonly ABORT_MARKER="/library/panic_abort/src/lib.rs"

die() { printf 'build-lambdas: %s\n' "$*" >&2; exit 2; }

# ELF machine of a file: aarch64, x86_64 or what the header says.
elf_machine() {
  local magic machine
  magic="$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')"
  [ "$magic" = 7f454c46 ] || { echo "not-elf"; return; }
  machine="$(od -An -tu2 -j18 -N2 "$1" | tr -d ' ')"
  case "$machine" in
    183) echo aarch64 ;;
    62) echo x86_64 ;;
    *) echo "elf-machine-$machine" ;;
  esac
}

# Checks one binary; prints one line; returns non-zero if it would abort on panic.
check_unwinds() {
  local file="$1" marker missing=()
  [ -f "$file" ] || { printf 'FAIL %s: no such file\n' "$file"; return 1; }
  for marker in "${UNWIND_MARKERS[@]}"; do
    grep -qaF -- "$marker" "$file" || missing+=("$marker")
  done
  if grep -qaF -- "$ABORT_MARKER" "$file"; then
    printf 'FAIL %s (%s): panic_abort is linked (found %q): built with panic="abort"\n' \
      "$file" "$(elf_machine "$file")" "$ABORT_MARKER"
    return 1
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    printf 'FAIL %s (%s): no panic_unwind markers (%s): cannot confirm panic="unwind"\n' \
      "$file" "$(elf_machine "$file")" "$(IFS=,; echo "${missing[*]}")"
    return 1
  fi
  printf 'ok   %s (%s, %s bytes): panic_unwind linked, panic_abort not\n' \
    "$file" "$(elf_machine "$file")" "$(wc -c <"$file" | tr -d ' ')"
}

if [ "${1:-}" = "--check" ]; then
  shift
  [ "$#" -gt 0 ] || die "--check needs at least one binary"
  failed=0
  for file in "$@"; do
    case "$file" in /*) ;; *) file="$caller_dir/$file" ;; esac
    check_unwinds "$file" || failed=1
  done
  exit "$failed"
fi

# --- prerequisites: say exactly what is missing, build nothing -----------------------------------
problems=()
if ! cargo lambda --version >/dev/null 2>&1; then
  problems+=("cargo-lambda is not installed: pip install cargo-lambda==1.9.2 (then 'pyenv rehash' under pyenv)")
fi
sysroot="$(rustc --print sysroot)"
if [ ! -d "$sysroot/lib/rustlib/$TARGET_TRIPLE/lib" ]; then
  problems+=("the Rust standard library for $TARGET_TRIPLE is not installed in $sysroot:
    rustup target add $TARGET_TRIPLE
    (rustup downloads it from the Rust distribution server; on a machine that cannot reach it,
    build on one that can, or let 'sam build' build on such a machine)")
fi
if ! command -v zig >/dev/null 2>&1 && ! python3 -c 'import ziglang' >/dev/null 2>&1; then
  problems+=("zig (the cross linker cargo-lambda uses) is missing: pip install ziglang, or reinstall cargo-lambda from PyPI")
fi
if [ "${#problems[@]}" -gt 0 ]; then
  printf 'build-lambdas: cannot build the arm64 Lambda artifacts here:\n' >&2
  printf '  - %s\n' "${problems[@]}" >&2
  exit 2
fi

# --- build ----------------------------------------------------------------------------------------
if [ "$#" -gt 0 ]; then
  names=("$@")
else
  names=()
  for manifest in functions/*/Cargo.toml; do names+=("$(basename "$(dirname "$manifest")")"); done
fi
packages=()
for name in "${names[@]}"; do
  [ -f "functions/$name/Cargo.toml" ] || die "no function crate functions/$name"
  packages+=(--package "$name")
done

target_dir="${CARGO_TARGET_DIR:-$repo/target}"
lambda_dir="${LAMBDA_DIR:-$target_dir/lambda}"
printf '==> cargo lambda build --release --arm64 (%s) into %s\n' "${names[*]}" "$lambda_dir"
started=$SECONDS
cargo lambda build --release --arm64 --locked --lambda-dir "$lambda_dir" "${packages[@]}"
printf '==> built in %ss\n' "$((SECONDS - started))"

# --- check ----------------------------------------------------------------------------------------
failed=0
for name in "${names[@]}"; do
  bootstrap="$lambda_dir/$name/bootstrap"
  if [ "$(elf_machine "$bootstrap" 2>/dev/null || true)" != aarch64 ]; then
    printf 'FAIL %s: not an aarch64 ELF binary\n' "$bootstrap"
    failed=1
    continue
  fi
  check_unwinds "$bootstrap" || failed=1
done
if [ "$failed" -ne 0 ]; then
  echo "build-lambdas: some bootstraps would abort on panic (or are missing); see above" >&2
  exit 1
fi
echo "build-lambdas: every bootstrap is arm64 and keeps panic=\"unwind\""
