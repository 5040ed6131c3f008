#!/bin/sh
# train_labels.sh — labels as grym-train sees them on real audio routes:
# a relabelled source reaches its normalized derivative (the catalog
# route and the piped route then train the same model, byte for byte),
# and the same audio under two class folders is refused the same way on
# every run, naming both files, unless --on-conflict skip|first says
# what to do.
. "$GRYM_TOP/tests/lib/cli.sh"

get() { /usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j[sys.argv[2]])' "$@"; }

# ---- 1. a relabel reaches what was derived from the source ----
ok "a labelled dataset (3 classes x 6)" grym-synth dataset --classes 3 --per-class 6 --seed 4 DIR
grym-ingest -q --label-from-dir DIR | grym-normalize --lufs -23 |
	grym-features --features mfcc --summary >/dev/null 2>feats.err
is "$(cat feats.err)" "" "features stored quietly"
t1=$(find DIR/tone -name '*.wav' | LC_ALL=C sort | head -n 1)
t2=$(find DIR/tone -name '*.wav' | LC_ALL=C sort | sed -n 2p)
id1=$(grym-ingest -q --text "$t1" | cut -f1)
id2=$(grym-ingest -q --text "$t2" | cut -f1)
like "$id1 $id2" "^[0-9a-f]{64} [0-9a-f]{64}$" "two tone sources"
ok "relabel two tone sources" grym-catalog label "$id1" "$id2" --remove tone --add pulses
is "$(grym-catalog ls --label pulses --ids | wc -l | tr -d ' ')" "4" \
	"both sources and their normalized derivatives say pulses"
is "$(grym-catalog ls --label tone --ids | wc -l | tr -d ' ')" "8" "no derivative of theirs still says tone"
ok "catalog route after the relabel" grym-train --features mfcc --seed 1 --json -o cat.model
is "$(get .out labels)" "['chirp-down', 'chirp-up', 'pulses', 'tone']" "the catalog route trains pulses"
ok "piped route after the relabel" sh -c 'grym-ingest -q DIR | grym-normalize --lufs -23 |
	grym-features --features mfcc --summary | grym-train --seed 1 --json -o rec.model'
is "$(get .out labels)" "['chirp-down', 'chirp-up', 'pulses', 'tone']" "the piped route trains pulses"
check "both routes write the same model" cmp cat.model rec.model
ok "a label added back on a source" grym-catalog label "$id1" --add tone
is "$(grym-catalog ls --label tone --ids | grep -c "^$id1$")" "1" "the source says tone"
is "$(grym-catalog ls --label tone --ids | wc -l | tr -d ' ')" "10" "and so does its derivative"

# ---- 2. the same audio under two labels ----
export GRYM_CATALOG="$PWD/catalog2"
ok "a second dataset (2 classes x 4)" grym-synth dataset --classes 2 --per-class 4 --seed 2 D2
first=$(ls D2 | LC_ALL=C sort | head -n 1)
second=$(ls D2 | LC_ALL=C sort | tail -n 1)
src=$(find "D2/$first" -name '*.wav' | LC_ALL=C sort | head -n 1)
cp "$src" "D2/$second/copy.wav"
run() { grym-ingest -q --label-from-dir D2 | grym-normalize --lufs -23 |
	grym-features --mfcc --summary | grym-train --seed 1 --json "$@"; }
fails 1 "first run: conflicting labels refused" run
cp .err run1.err
like "$(cat .err)" "labels $first and $second" "both labels named"
like "$(cat .err)" "$src" "the first file named"
like "$(cat .err)" "D2/$second/copy.wav" "the second file named"
like "$(cat .err)" "--on-conflict" "the way out named"
fails 1 "second, identical run: the same refusal" run
is "$(cat .err)" "$(cat run1.err)" "the same message on every run"
ok "--on-conflict skip" run --on-conflict skip
is "$(get .out items)" "7" "the conflicting item left out"
like "$(cat .err)" "skipped" "and said so"
ok "--on-conflict first" run --on-conflict first
is "$(get .out items)" "8" "the item kept once"
like "$(cat .err)" "kept $first" "under its first label"
fails 1 "the catalog route refuses it too" grym-train --features mfcc
like "$(cat .err)" "labels $first and $second" "naming both labels"
ok "the catalog route with --on-conflict first" grym-train --features mfcc --on-conflict first --json
is "$(get .out items)" "8" "8 items"
fails 2 "--on-conflict nosuch" grym-train --on-conflict nosuch --features mfcc
done_testing
