#!/bin/sh
# output_safety.sh — the output rules every grym program shares
# (DESIGN.md "Conventions of a Unix filter"): a failure while writing to
# stdout ends the output, says so on stderr and exits 1; -o FILE appears
# only complete (temporary name, renamed on success) and a failed run
# leaves neither FILE nor a temporary beside it; a closed pipe downstream
# ends a program quietly.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 29

grym-synth sine --freq 440 --duration 2 --rate 22050 -o tone.wav
grym-synth noise --duration 1 --rate 22050 -o noise.wav

# 1. stdout on a full disk: exit 1 and one message naming the problem.
full() { # DESC CMD... (stdin from tone.wav)
	_d=$1; shift
	"$@" <tone.wav >/dev/full 2>err.txt
	s=$?
	is "$s" 1 "$_d: exit 1 when stdout is full"
	like "$(cat err.txt)" "No space left on device" "$_d: says why on stderr"
}
full grym-synth grym-synth sine --duration 1
full grym-normalize grym-normalize
full grym-features grym-features --mfcc
full "grym-features --text" grym-features --mfcc --text
full grym-ingest grym-ingest tone.wav
full "grym-catalog ls" grym-catalog ls
grym-ingest -q --text tone.wav noise.wav >/dev/null
full "grym-features on ids" sh -c 'grym-catalog ls --ids | grym-features --mfcc --summary'

# 2. -o FILE is atomic: nothing under FILE, and no temporary left, when
# the run fails.
mkdir -p out
printf 'not audio at all\n' >bad.wav
grym-normalize -o out/norm.wav <bad.wav 2>/dev/null
is "$?" 1 "grym-normalize: not audio: exit 1"
check "grym-normalize: failed run leaves no output file" test ! -e out/norm.wav
is "$(ls -A out)" "" "grym-normalize: no temporary left behind"
grym-features --mfcc -o out/f.grym <bad.wav 2>/dev/null
is "$?" 1 "grym-features: not audio: exit 1"
check "grym-features: failed run leaves no output file" test ! -e out/f.grym
is "$(ls -A out)" "" "grym-features: no temporary left behind"

grym-ingest -o out/refs.grym bad.wav 2>/dev/null
is "$?" 1 "grym-ingest: every input failed: exit 1"
is "$(ls -A out)" "" "grym-ingest: failed run leaves no output file"
grym-ingest -q -o out/refs.grym bad.wav tone.wav 2>/dev/null
is "$?" 1 "grym-ingest: one of two inputs failed: exit 1"
is "$(grym-features --mfcc --summary --text <out/refs.grym | grep -c "^#")" 1 \
	"grym-ingest: the good input's record is kept"
rm -f out/refs.grym

# A successful -o replaces an existing file in one step.
printf 'old\n' >out/norm.wav
ok "grym-normalize -o over an existing file" grym-normalize --peak -3 -o out/norm.wav <tone.wav
like "$(sox --i -t out/norm.wav)" "wav" "the new file is a complete WAV"
is "$(ls -A out)" "norm.wav" "only the renamed file remains"

# 3. A closed pipe ends quietly: no message, status from SIGPIPE or 0.
grym-synth noise --duration 600 --rate 48000 --channels 2 2>err.txt | head -c 1000 >/dev/null
is "$(cat err.txt)" "" "grym-synth into a closed pipe says nothing"
grym-features --mfcc --text <noise.wav 2>err.txt | head -n 1 >/dev/null
is "$(cat err.txt)" "" "grym-features --text into a closed pipe says nothing"
done_testing
