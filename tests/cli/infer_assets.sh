#!/bin/sh
# infer_assets.sh — grym-infer takes what the catalog lists: asset ids
# (`grym-catalog ls --ids | grym-infer -m M`) are scored through the
# model's recipe, as the pipeline would have scored them; and a model
# trained from a TSV applies to a TSV of the same columns in any order,
# matched by name, a missing column named.
. "$GRYM_TOP/tests/lib/cli.sh"

ok "a labelled dataset (2 classes x 5)" grym-synth dataset --classes 2 --per-class 5 --seed 3 DIR
grym-ingest -q --label-from-dir DIR | grym-normalize --lufs -23 |
	grym-features --features mfcc --summary >feats.grym 2>feats.err
is "$(cat feats.err)" "" "features made quietly"
ok "train on the features" sh -c 'grym-train --seed 1 --name clips -o m.model <feats.grym'
ok "score the feature records" sh -c 'grym-infer -m m.model <feats.grym'
sort .out >by_records.tsv
is "$(wc -l <by_records.tsv | tr -d ' ')" "10" "ten clips scored from their records"

grym-catalog ls --ids >ids.txt
is "$(wc -l <ids.txt | tr -d ' ')" "20" "the catalog lists 10 sources and 10 derived assets"
ok "grym-catalog ls --ids | grym-infer -m M" sh -c 'grym-catalog ls --ids | grym-infer -m clips'
cp .out by_ids.tsv
is "$(wc -l <by_ids.tsv | tr -d ' ')" "20" "every listed asset scored"
# each derived asset scores as its record did
grep -f "$(cut -f1 by_records.tsv >rk.txt; echo rk.txt)" by_ids.tsv | sort >derived.tsv
ok "derived assets score exactly as their feature records" cmp by_records.tsv derived.tsv
# each source scores as its normalized derivative: the model's recipe replayed on it
bad=0
while IFS='	' read -r id label p; do
	parent=$(grym-catalog show "$id" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["parent"] or "")')
	got=$(awk -F'\t' -v k="$parent" '$1 == k { print $2 "\t" $3 }' by_ids.tsv)
	[ "$got" = "$label	$p" ] || bad=$((bad + 1))
done <derived.tsv
is "$bad" "0" "a source scores as its derivative (the recipe replayed on it)"
db="$GRYM_CATALOG/catalog.db"
mid=$(sqlite3 "$db" "select id from models where name = 'clips'")
is "$(sqlite3 "$db" "select count(*) from predictions where model = '$mid'")" "20" "a prediction stored for every asset"
printf '%s\n' 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef >noasset.txt
# (ids come on stdin: a file named on the command line is audio or records)
fails 1 "an id that is neither a feature set nor an asset" sh -c "grym-infer -m clips <noasset.txt"
like "$(cat .err)" "0123456789ab.*neither a feature set nor an asset in the catalog" "clear error for an unknown id"

# TSV in, TSV out: columns matched by name
/usr/bin/python3 - <<'PY'
import random
random.seed(5)
rows = [(i, random.gauss(3 * (i % 2), 1), random.gauss(-(i % 2), 1), "ab"[i % 2]) for i in range(40)]
with open("train.tsv", "w") as f:
    f.write("id\tlength\twidth\tspecies\n")
    for i, a, b, s in rows: f.write("x%d\t%.4f\t%.4f\t%s\n" % (i, a, b, s))
with open("swapped.tsv", "w") as f:
    f.write("width\tnote\tid\tlength\n")
    for i, a, b, s in rows: f.write("%.4f\tn%d\tx%d\t%.4f\n" % (b, i, i, a))
with open("short.tsv", "w") as f:
    f.write("id\tlength\n")
    for i, a, b, s in rows: f.write("x%d\t%.4f\n" % (i, a))
PY
ok "train on a TSV" grym-train --target species --seed 1 -o t.model train.tsv
ok "infer the same TSV" grym-infer -m t.model train.tsv
cp .out same.out
is "$(wc -l <same.out | tr -d ' ')" "40" "one line per row, keyed by the id column"
is "$(head -n 1 same.out | cut -f1)" "x0" "keys from the id column"
ok "infer a TSV with the columns reordered and one more" grym-infer -m t.model -o swapped.out swapped.tsv
ok "columns matched by name: the same predictions" cmp same.out swapped.out
fails 1 "a TSV without a feature column" grym-infer -m t.model short.tsv
like "$(cat .err)" "short.tsv: line 1: no column 'width' of the model's 2 features" "the missing column named"
ok "--tsv on stdin" sh -c 'grym-infer -m t.model --tsv -o stdin.out <swapped.tsv'
ok "the same from stdin" cmp same.out stdin.out
done_testing
