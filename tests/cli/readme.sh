#!/bin/sh
# readme.sh — every ```sh block of README.md runs as pasted, in order, in
# an empty directory: the README promises pipelines that work, and this
# keeps the promise checked. Each block is one test; a failing command
# inside a pipeline fails it (bash -e with pipefail).
. "$GRYM_TOP/tests/lib/cli.sh"
# The README speaks of a Debian machine: python3 is Debian's, with numpy.
export PATH="$GRYM_BIN:/usr/bin:$PATH"

awk '/^```sh$/ { n++; f = sprintf("block%02d.sh", n); next }
     /^```$/ { f = ""; next }
     f { print > f }' "$GRYM_TOP/README.md"
check "README has shell blocks" test -f block01.sh
for b in block*.sh; do
	first=$(grep -v '^$' "$b" | head -n 1)
	# Blocks share one shell's environment (export GRYM_CATALOG...), so
	# each runs after the ones before it in the same session.
	ok "README: $first" bash -e -o pipefail "$b"
done
done_testing
