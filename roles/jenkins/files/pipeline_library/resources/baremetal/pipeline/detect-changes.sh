#!/bin/sh
# dockerBuild change detection: does a service need a build at HEAD?
#   sh detect-changes.sh BASE HEAD PATH...
# BASE is the commit of the job's last successful build (the Git plugin's
# GIT_PREVIOUS_SUCCESSFUL_COMMIT; empty on the first build), HEAD the commit being
# built, PATH the service's folder and the shared folders (git pathspecs, "frontend/").
# Prints "build" or "skip" on the first line, the reason on the second, then up to 20
# changelog lines "- <sha> <subject> (<author>)". Runs in the repository's top folder.
# POSIX sh: it runs in the agent's jnlp container (dash) as well as busybox.
set -eu
if [ "$#" -lt 3 ]; then
  echo "usage: detect-changes.sh BASE HEAD PATH..." >&2
  exit 2
fi
base=$1
head=$2
shift 2

changelog() {
  # $1: revision range; the rest: paths
  range=$1
  shift
  git log --no-merges -n 20 --format='- %h %s (%an)' "$range" -- "$@"
}

if ! git cat-file -e "$head^{commit}" 2>/dev/null; then
  echo "detect-changes.sh: commit $head is not in this clone" >&2
  exit 2
fi
if [ -z "$base" ]; then
  echo build
  echo "no successful build of this job yet"
  changelog "$head" "$@"
  exit 0
fi
if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
  echo build
  echo "the last successful build's commit $base is not in this clone (history rewritten, or a shallow clone): building to be safe"
  changelog "$head" "$@"
  exit 0
fi
if git diff --quiet --no-renames "$base" "$head" -- "$@"; then
  echo skip
  echo "nothing under $* changed since the last successful build ($(git rev-parse --short "$base"))"
  exit 0
fi
count=$(git diff --name-only --no-renames "$base" "$head" -- "$@" | wc -l | tr -d ' ')
echo build
echo "$count file(s) under $* changed since the last successful build ($(git rev-parse --short "$base"))"
changelog "$base..$head" "$@"
