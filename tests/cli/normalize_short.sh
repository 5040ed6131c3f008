#!/bin/sh
# normalize_short.sh — clips under 400 ms (spoken words, clicks) have no
# gated BS.1770 loudness; grym measures them ungated over the whole clip
# (K-weighted mean square), flags short_clip in the JSON and the recipe,
# and normalizes them. Only digital silence is "silence", and -q silences
# the pass-through note. grym once passed such words through without gain
# with "level undefined (silence)", printed despite -q.
. "$GRYM_TOP/tests/lib/cli.sh"
export PATH="$GRYM_BIN:/usr/bin:$PATH"

jget() { grym-normalize --measure --json "$1" | jq -r ".$2"; }

grym-synth sine --freq 997 --level -6 --duration 0.25 --rate 48000 -o tone.wav
grym-synth noise --level -6 --duration 0.25 --rate 16000 -o burst.wav
espeak-ng -w word.wav "cat" && sox word.wav w.wav silence 1 0.01 1% reverse silence 1 0.01 1% reverse
check "espeak-ng made a word (needs espeak-ng)" test -s w.wav
sox w.wav word.wav trim 0 0.25 gain -n -6
sox -D -n -r 16000 -c 1 -b 16 zero.wav trim 0 0.25   # -D: no dither

is "$(jget tone.wav short_clip)" true "0.25 s tone: short_clip true"
near "$(jget tone.wav integrated_lufs)" -9.03 0.05 "0.25 s tone at -6 dBFS: -9.03 LUFS, ungated"
is "$(jget zero.wav integrated_lufs)" null "0.25 s of digital silence: still undefined"
grym-synth sine --freq 997 --level -6 --duration 1 --rate 48000 -o long.wav
is "$(jget long.wav short_clip)" false "1 s tone: short_clip false"

for f in tone burst word; do
	ok "$f: normalize -q" grym-normalize -q --lufs -23 -o "$f-23.wav" "$f.wav"
	is "$(cat .err)" "" "$f: -q prints nothing"
	near "$(jget "$f-23.wav" integrated_lufs)" -23 0.1 "$f: normalized to -23 LUFS (ungated)"
done
ok "a short clip without -q" grym-normalize --lufs -23 -o t.wav tone.wav
check "says nothing of silence" sh -c '! grep -q silence .err'

ok "digital silence without -q" grym-normalize --lufs -23 -o z.wav zero.wav
like "$(cat .err)" "zero.wav: level undefined \(silence\); passed through without gain" "silence says silence"
ok "digital silence with -q" grym-normalize -q --lufs -23 -o z.wav zero.wav
is "$(cat .err)" "" "and -q silences the note"
fails 1 "--on-silence fail on silence" grym-normalize --on-silence fail -o z2.wav zero.wav
like "$(cat .err)" "loudness undefined \(silence\)" "names silence, not length"
ok "--on-silence fail passes a short word" grym-normalize --on-silence fail -o w2.wav word.wav

# the recipe: records carry short_clip in their pipeline entry
grym-ingest -q tone.wav long.wav | grym-normalize --lufs -23 --text >norm.txt
is "$(grep '^#' norm.txt | grep -c '"short_clip":true')" 1 "one record (the short one) flagged short_clip in its recipe"
grym-ingest -q tone.wav long.wav | grym-normalize --lufs -23 --text >again.txt
is "$(grep '^#' again.txt | grep -c '"short_clip":true')" 1 "flagged again when the asset is reused"
ok "a flagged recipe still replays (grym-features after it)" \
	sh -c 'grym-ingest -q tone.wav | grym-normalize --lufs -23 | grym-features --mfcc --summary >/dev/null'
done_testing
