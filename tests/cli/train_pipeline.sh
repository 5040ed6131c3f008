#!/bin/sh
# train_pipeline.sh — the whole chain on audio made here with sox: 12
# sine tones (260-920 Hz) and 12 noises (pink/brown), ingested with their
# folder as label, summarized by grym-features, cross-validated by
# grym-train (chance is 0.5; the model must reach 0.85), then applied by
# grym-infer to 6 new clips of other frequencies and noise seeds.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 9

mkdir -p data/tone data/noise new/tone new/noise
for i in $(seq 1 12); do
	sox -R -n -r 16000 -c 1 data/tone/t$i.wav synth 0.5 sine $((200 + i * 60)) vol 0.5
	kind=$([ $((i % 2)) = 0 ] && echo pinknoise || echo brownnoise)
	sox -R -n -r 16000 -c 1 data/noise/n$i.wav synth 0.5 $kind vol 0.$((20 + i))
done 2>/dev/null
for i in 1 2 3; do
	sox -R -n -r 16000 -c 1 new/tone/u$i.wav synth 0.5 sine $((290 + i * 170)) vol 0.4
	sox -R -n -r 16000 -c 1 new/noise/m$i.wav synth 0.5 pinknoise vol 0.$((40 + i))
done 2>/dev/null

ok "ingest" sh -c 'grym-ingest --label-from-dir data >refs.grym'
ok "features" sh -c 'grym-features --summary <refs.grym >feats.grym'
ok "train with 4-fold CV" grym-train --cv 4 --seed 1 --json --folds-out folds.tsv -o tn.model feats.grym
acc=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["accuracy"])' .out)
satisfies "$acc" 'v >= 0.85' "cross-validated accuracy $acc >= 0.85 (chance 0.5)"
is "$(cut -f1 folds.tsv | sort | uniq -d | wc -l | tr -d ' ') $(wc -l <folds.tsv | tr -d ' ')" "0 24" \
	"each of the 24 clips is tested in exactly one fold (never in train and test)"
n=$(od -An -tu4 -j12 -N4 tn.model | tr -d ' ')
like "$(tail -c +17 tn.model | head -c "$n")" '"pipeline":\[.*"stage":"features"' "the model records the features recipe"

ok "new clips through the same recipe" sh -c 'grym-ingest --label-from-dir new | grym-features --summary >new.grym'
ok "infer" grym-infer -m tn.model new.grym
got=$(cut -f2 .out | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')
is "$got" "noise=3 tone=3 " "three tones and three noises recognised"
done_testing
