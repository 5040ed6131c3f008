#!/bin/sh
# tests/fresh-clone.sh — what a new user does: `git clone` of this
# repository's HEAD into an empty temporary directory (nothing beside it:
# no sibling folders, no build tree, no config.mk), then the README's
# `make check` there. Uncommitted changes are not part of the clone, so
# this proves that what is committed passes on its own.
#
# Kept outside tests/cli/ so that tests/run does not run it; .ci/run runs
# it after the sanitizer run. Exit status is make check's.
#
#   tests/fresh-clone.sh [MAKE-ARGS...]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
head=$(git -C "$top" rev-parse HEAD)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/grym-fresh.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM HUP

# the clone sits alone in its own directory, so any path that climbs out
# of the repository finds nothing
git clone -q --no-local "$top" "$tmp/clone/grym"
git -C "$tmp/clone/grym" checkout -q "$head"
echo "fresh-clone: $head in $tmp/clone/grym (ls of its parent: $(ls "$tmp/clone"))"
cd "$tmp/clone/grym"
make check "$@"
