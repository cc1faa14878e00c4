#!/usr/bin/env bash
# Install what the benchmarks need from Debian (as root; apt-get update runs only when something is missing).
#
#   bash bench/setup.sh          # ripgrep: bench_classify's `rg --no-unicode -f` anchor (its rows say
#                                # "skipped: rg not installed" without it)
#   bash bench/setup.sh --all    # also hyperfine (bench_startup times whole processes with it when installed)
#                                # and postgresql (bench_store_pg's server: start a cluster as .ci/run does and
#                                # set OPGTUI_BENCH_PG_DSN)
#
# GNU grep, tail and coreutils (the other anchors) come with every Debian system.
set -euo pipefail

need=()
command -v rg >/dev/null || need+=(ripgrep)
if [[ "${1:-}" == "--all" ]]; then
  command -v hyperfine >/dev/null || need+=(hyperfine)
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
elif [[ -n "${1:-}" ]]; then
  echo "usage: bash bench/setup.sh [--all]" >&2
  exit 2
fi
if ((${#need[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
  echo "bench/setup.sh: installed ${need[*]}"
else
  echo "bench/setup.sh: nothing to install"
fi
