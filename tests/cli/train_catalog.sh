#!/bin/sh
# train_catalog.sh — grym-train --features NAME trains on feature sets
# grym-features stored in the catalog: the same accuracy and the same
# model bytes as the records route on the same derived assets, --label
# selecting classes, an asset without stored features reported (exit 1,
# the rest trained), unknown features a clear error, and the model's
# pipeline replayed by grym-infer straight on an audio file.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 48

ok "a labelled dataset (3 classes x 6)" grym-synth dataset --classes 3 --per-class 6 --seed 4 DIR
grym-ingest -q --label-from-dir DIR | grym-normalize --lufs -23 |
	grym-features --features mfcc --summary >feats.grym 2>feats.err
is "$(cat feats.err)" "" "features stored quietly"
is "$(grym-catalog stats --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["features"])')" \
	"18" "18 feature sets in the catalog"

ok "catalog route" grym-train --features mfcc --model logreg --cv 3 --seed 1 --json -o cat.model
cp .out cat.json
ok "records route" sh -c 'grym-train --model logreg --cv 3 --seed 1 --json -o rec.model <feats.grym'
cp .out rec.json
get() { /usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j[sys.argv[2]])' "$@"; }
is "$(get cat.json items)" "18" "18 items from the catalog"
is "$(get cat.json dims)" "40" "40 dims (20 mfcc means, 20 stds)"
same "$(get cat.json accuracy)" "$(get rec.json accuracy)" "same cv accuracy as the records route"
same "$(get cat.json confusion)" "$(get rec.json confusion)" "same confusion matrix"
check "same model bytes as the records route" cmp cat.model rec.model
same "$(get cat.json model_id)" "$(get rec.json model_id)" "same model id in the catalog"

# --label: two classes, in catalog order
ok "--label twice" grym-train --features mfcc --label chirp-up --label tone --cv 3 --seed 1 --json
is "$(get .out labels)" "['chirp-up', 'tone']" "--label selects two classes"
is "$(get .out items)" "12" "12 items"
ok "--label once" grym-train --features mfcc --label tone --model kmeans --k 2 --seed 1 --json
is "$(get .out items)" "6" "--label tone: 6 items"
fails 2 "--label without --features is a usage error" grym-train --label tone

# an asset without stored features: named, skipped, exit 1
sox -n -r 16000 -c 1 -b 16 extra.wav synth 1 sine 300 2>/dev/null
ok "an extra clip ingested" grym-ingest -q --label tone extra.wav
fails 1 "an asset without features: exit 1" grym-train --features mfcc --cv 3 --seed 1 --json -o skip.model
like "$(cat .err)" "^grym-train: asset [0-9a-f]{64} has no stored mfcc features: skipped$" "it is named on stderr"
is "$(wc -l <.err | tr -d ' ')" "1" "one line"
is "$(get .out items)" "18" "the rest still trains"
check "and the model is still written, equal to the first" cmp skip.model cat.model

fails 1 "--features nosuch" grym-train --features nosuch
like "$(cat .err)" "^grym-train: catalog: .*nosuch" "unknown feature named"
fails 1 "--features chroma (not stored)" grym-train --features chroma
like "$(head -n 1 .err)" "has no stored chroma features" "missing feature named"
fails 2 "--features with input files is a usage error" grym-train --features mfcc feats.grym

# grym-infer replays the recorded pipeline on an audio file
f=$(find DIR -name '*.wav' | LC_ALL=C sort | head -n 1)
ok "grym-infer -m on an audio file" grym-infer -m cat.model "$f"
like "$(cat .out)" "chirp-down" "the first clip is a chirp-down"
ok "grym-infer on its records" sh -c "grym-infer -m cat.model <feats.grym"
same "$(head -n 1 .out | cut -f2-)" "$(grym-infer -m cat.model "$f" | cut -f2-)" "audio and records agree"

# an asset holding mfcc under two extractor recipes is an error naming it
grym-ingest -q --label tone extra.wav | grym-features --features mfcc --summary >/dev/null
grym-ingest -q --label tone extra.wav | grym-features --features mfcc --n-mfcc 13 --summary >/dev/null
fails 1 "two recipes for one asset: error" grym-train --features mfcc
like "$(cat .err)" "asset [0-9a-f]{64} has mfcc under two extractor recipes" "the asset is named"

# a manifest with a split column, two features: the split evaluation and
# the model bytes equal the records route; --split selects
export GRYM_CATALOG="$PWD/catalog2"
ok "a second dataset (2 x 4)" grym-synth dataset --classes 2 --per-class 4 --seed 4 D2
{
	printf 'path\tlabel\tsplit\n'
	i=0
	for f in $(cd D2 && find . -name '*.wav' | LC_ALL=C sort); do
		s=train; [ $((i % 4)) = 0 ] && s=test
		printf '%s\t%s\t%s\n' "$f" "$(dirname "$f" | cut -c3-)" "$s"
		i=$((i + 1))
	done
} >D2/m.tsv
grym-ingest -q --manifest D2/m.tsv | grym-normalize --lufs -23 |
	grym-features --features mfcc,rms --summary >f2.grym 2>/dev/null
ok "catalog route, mfcc,rms" grym-train --features mfcc,rms --seed 1 --json -o c2.model
cp .out c2.json
ok "records route, mfcc,rms" sh -c 'grym-train --seed 1 --json -o r2.model <f2.grym'
is "$(get c2.json evaluation)" "split" "evaluated by the manifest's split column"
is "$(get c2.json dims)" "42" "42 dims (mfcc 40 + rms 2)"
same "$(get c2.json confusion)" "$(get .out confusion)" "same confusion as the records route"
check "same model bytes (two features, split)" cmp c2.model r2.model
ok "--split train" grym-train --features mfcc,rms --split train --cv 2 --seed 1 --json
is "$(get .out items)" "6" "--split train: the 6 training items"

# assets normalized to two loudness targets: refused, one of each named
export GRYM_CATALOG="$PWD/catalog3"
ok "a third dataset (2 x 3)" grym-synth dataset --classes 2 --per-class 3 --seed 5 D3
c1=$(ls D3 | LC_ALL=C sort | head -n 1); c2=$(ls D3 | LC_ALL=C sort | tail -n 1)
grym-ingest -q --label-from-dir "D3/$c1" | grym-normalize --lufs -23 |
	grym-features --features mfcc --summary >m23.grym 2>/dev/null
grym-ingest -q --label-from-dir "D3/$c2" | grym-normalize --lufs -16 |
	grym-features --features mfcc --summary >m16.grym 2>/dev/null
fails 1 "catalog route, two recipes: refused" grym-train --features mfcc
like "$(cat .err)" "asset [0-9a-f]{64} was made by another recipe than asset [0-9a-f]{64} \(normalize target" \
	"one asset of each recipe and the differing key named"
fails 1 "records route, two recipes: refused" sh -c 'cat m23.grym m16.grym | grym-train'
like "$(cat .err)" "item [0-9a-f]{64} was made by another recipe than item [0-9a-f]{64} \(normalize target" \
	"the same in the records route"

done_testing
