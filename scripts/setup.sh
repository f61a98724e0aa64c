#!/usr/bin/env bash
# Installs what the tests need on a fresh machine. Safe to run again: pinned versions,
# pip skips what is already there.
#
#   moto[server]        S3 and DynamoDB protocol server the storage tests run against
#   cfn-lint            lints infra/template.yaml (with the SAM transform)
#   cfn-lint-serverless serverless best-practice rules for cfn-lint
#   openapi-spec-validator  validates docs/openapi.json (local/runner/tests/gateway.rs)
#   chromium, chromium-driver  (Debian) the headless browser the operator console's test drives
#                       (local/runner/tests/console.rs); with CI=true that test fails without them
set -euo pipefail

# rust-toolchain.toml pins 1.95.0, the toolchain these machines have. Where rustup knows it
# only as `stable` (nothing can be downloaded here), register it under its version number.
if command -v rustup >/dev/null 2>&1 && ! rustup toolchain list | grep -q '^1\.95\.0-'; then
  if rustup run stable rustc --version 2>/dev/null | grep -q '^rustc 1\.95\.0 '; then
    rustup toolchain link 1.95.0 "$(rustup run stable rustc --print sysroot)"
  fi
fi

MOTO_VERSION=5.2.5
CFN_LINT_VERSION=1.58.0
CFN_LINT_SERVERLESS_VERSION=0.3.6
OPENAPI_SPEC_VALIDATOR_VERSION=0.9.0

python3 -m pip install --quiet --disable-pip-version-check \
  "moto[server]==${MOTO_VERSION}" \
  "cfn-lint==${CFN_LINT_VERSION}" \
  "cfn-lint-serverless==${CFN_LINT_SERVERLESS_VERSION}" \
  "openapi-spec-validator==${OPENAPI_SPEC_VALIDATOR_VERSION}"

# pyenv installs console scripts behind shims that need a rehash to appear on PATH.
if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi

command -v moto_server >/dev/null || { echo "moto_server not on PATH after install" >&2; exit 1; }
command -v cfn-lint >/dev/null || { echo "cfn-lint not on PATH after install" >&2; exit 1; }
# The operator console's browser test: Chromium and chromedriver from the OS packages.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  elif [ "${CI:-}" = true ]; then
    echo "chromium and chromium-driver are missing and cannot be installed (need root and apt-get)" >&2
    exit 1
  else
    echo "WARNING: chromium / chromedriver missing (apt-get install chromium chromium-driver as root):" \
      "the operator console's browser test will be skipped" >&2
  fi
fi
if [ "${CI:-}" = true ]; then
  command -v chromium >/dev/null || { echo "chromium not on PATH after install" >&2; exit 1; }
  command -v chromedriver >/dev/null || { echo "chromedriver not on PATH after install" >&2; exit 1; }
fi

rustup component add rustfmt clippy >/dev/null 2>&1 || true
