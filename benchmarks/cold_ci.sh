#!/usr/bin/env bash
# Benchmark: `.ci/run` as CI runs it on a new machine, from a fresh clone with every cache empty.
#   sudo benchmarks/cold_ci.sh [--warm] [WORKDIR]
# A fresh clone of this checkout's HEAD goes to WORKDIR (default /work/ci-cold, next to
# ../shared as CI has it). Cold: HOME (Go module and build caches, pip and ansible-test
# caches) and BAREMETAL_LAB_CACHE (lab binaries, rootfs, apt cache) point at empty
# directories; apt packages already installed stay installed. --warm keeps the machine's
# caches, as CI on a machine that ran before. Prints the step times and the total.
set -euo pipefail
mode=cold
if [ "${1:-}" = --warm ]; then mode=warm; shift; fi
source_dir=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(dirname "$source_dir")/ci-$mode}
caches=/tmp/baremetal-ci-$mode-caches

rm -rf "$work"
git clone -q "$source_dir" "$work"
environment=(CI=true)
if [ "$mode" = cold ]; then
  chmod -R u+w "$caches" 2>/dev/null || true   # the Go module cache is read-only
  rm -rf "$caches"
  mkdir -p "$caches/home" "$caches/lab"
  environment+=(HOME="$caches/home" BAREMETAL_LAB_CACHE="$caches/lab" PYENV_ROOT="${PYENV_ROOT:-/root/.pyenv}")
fi
echo "[$mode] $(git -C "$work" log --oneline -1) in $work; load $(cut -d' ' -f1-3 /proc/loadavg)"
started=$SECONDS
rc=0
(cd "$work" && env "${environment[@]}" bash .ci/run </dev/null) 2>&1 | tee "/tmp/baremetal-ci-$mode.log" || rc=$?
echo "[$mode] .ci/run exited $rc after $((SECONDS - started))s; load $(cut -d' ' -f1-3 /proc/loadavg); log /tmp/baremetal-ci-$mode.log"
exit $rc
