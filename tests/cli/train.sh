#!/bin/sh
# train.sh — grym-train on a synthetic labelled set made here: 3 classes
# ("a", "b", "c") of 8-dimensional vectors, class c shifted by 2.0 along
# axis c (noise 1), 6 speakers each adding their own offset, a split
# column, a recipe. Chance is 1/3; every model must score at least 0.70
# under 5-fold CV (more than twice chance). Folds are checked from
# --folds-out: stratified, and grouped by speaker with --group-by.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 51

gen() { # SEED N [extra python statements applied to each item]
	/usr/bin/python3 - "$@" <<'PY'
import sys, json, random
seed, n = int(sys.argv[1]), int(sys.argv[2])
random.seed(seed); d = 8
for i in range(n):
    c = i % 3; spk = i % 6
    key = "item%03d" % i
    v = [random.gauss(0, 1) + (2.0 if j == c else 0) + (0.8 if j == 5 + spk % 3 else 0) for j in range(d)]
    meta = {"kind": "vector", "cols": d, "labels": ["abc"[c]],
            "meta": {"speaker": "s%d" % spk, "split": "test" if i % 5 == 0 else "train"},
            "pipeline": [{"stage": "features", "mfcc": 13}], "names": ["f%d" % j for j in range(d)]}
    print("#%s\t%s" % (key, json.dumps(meta)))
    print(key + "\t" + "\t".join("%.6g" % x for x in v))
PY
}
gen 1 120 >data.txt
num() { # JSON KEY
	/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}

out=$(grym-train --cv 5 --seed 1 --json -o lr.model <data.txt)
acc=$(num "$out" accuracy)
satisfies "$acc" 'v >= 0.70' "logreg 5-fold accuracy $acc >= 0.70 (chance 0.33)"
is "$(num "$out" labels)" "['a', 'b', 'c']" "labels sorted"
is "$(num "$out" n)" "120" "all 120 items scored out of fold"
is "$(/usr/bin/python3 -c 'import json,sys; print(sum(map(sum, json.loads(sys.argv[1])["confusion"])))' "$out")" \
	"120" "confusion matrix counts 120"
check "model file written" test -s lr.model
like "$(head -c 8 lr.model)" "^GRYMMODL$" "model magic"
check "model records the recipe" grep -aq '"pipeline":\[{"mfcc":13,"stage":"features"}\]' lr.model
check "model records the metrics" grep -aq '"metrics":{"accuracy":' lr.model

for m in linsvm svm knn mlp; do
	out=$(grym-train --model "$m" --cv 5 --seed 1 --json <data.txt)
	acc=$(num "$out" accuracy)
	satisfies "$acc" 'v >= 0.70' "$m 5-fold accuracy $acc >= 0.70 (chance 0.33)"
done

table=$(grym-train --cv 5 --seed 1 <data.txt)
like "$table" "^logreg, 5-fold cross-validation: 120 items, 3 classes" "readable report header"
like "$table" "macro F1 +0\.[0-9]{4}" "readable report has macro F1"
like "$table" "confusion \(rows: true, columns: predicted\)" "readable report has the confusion matrix"
# class names are never cut: two names with a 6-character common prefix
# and one longer than 24 characters stay whole in both tables
sed -e 's/"labels": \["a"\]/"labels": ["chirp-up"]/' -e 's/"labels": \["b"\]/"labels": ["chirp-down"]/' \
	-e 's/"labels": \["c"\]/"labels": ["a-class-name-longer-than-24-chars"]/' data.txt >long.txt
long=$(grym-train --cv 5 --seed 1 <long.txt)
heading=$(printf '%s\n' "$long" | sed -n '/^confusion/{n;p;}')
like "$heading" "^ +a-class-name-longer-than-24-chars +chirp-down +chirp-up$" "confusion columns carry whole class names"
is "$(printf '%s\n' "$long" | sed -n '/^confusion/,$p' | grep -v '^model ' | awk 'NR > 2 && NF { print $1 }' | tr '\n' ' ')" \
	"a-class-name-longer-than-24-chars chirp-down chirp-up " "confusion rows carry whole class names"
is "$(printf '%s\n' "$long" | awk '/^confusion/ { exit } /^chirp-/ { print $1 }' | tr '\n' ' ')" \
	"chirp-down chirp-up " "per-class rows carry whole class names"
cols=$(printf '%s\n' "$long" | sed -n '/^confusion/,$p' | grep -v '^model ' | awk 'NR > 1 && NF { print length($0) }' | sort -u | wc -l)
is "$cols" 1 "the confusion matrix's lines are aligned (one length)"

# folds: stratified, every item once
ok "folds-out" grym-train --cv 5 --seed 3 --folds-out folds.tsv <data.txt
is "$(wc -l <folds.tsv | tr -d ' ')" "120" "one fold line per item"
is "$(cut -f1 folds.tsv | sort -u | wc -l | tr -d ' ')" "120" "every item exactly once"
is "$(awk -F'\t' '{ c = substr($1, 5) % 3; n[c "," $2]++ } END { for (k in n) print n[k] }' folds.tsv | sort -u)" \
	"8" "each fold holds 8 items of each class"

# grouped folds: no speaker in two folds
ok "grouped folds-out" grym-train --cv 3 --group-by speaker --seed 3 --folds-out gfolds.tsv <data.txt
is "$(awk -F'\t' '{ s = substr($1, 5) % 6; f[s " " $2] = 1 } END { for (k in f) { split(k, a, " "); n[a[1]]++ } for (s in n) if (n[s] > 1) print "speaker " s " split" }' gfolds.tsv)" \
	"" "no speaker in two folds"
is "$(cut -f2 gfolds.tsv | sort -u | tr '\n' ' ')" "0 1 2 " "all three grouped folds used"

# split column and holdout
out=$(grym-train --json <data.txt)
is "$(num "$out" evaluation) $(num "$out" n)" "split 24" "the manifest's split column: 24 test items"
out=$(grym-train --holdout 0.25 --seed 2 --json --folds-out hfolds.tsv <data.txt)
is "$(num "$out" n)" "30" "holdout 0.25 tests 30 items"
is "$(awk -F'\t' '$2 == 0' hfolds.tsv | wc -l | tr -d ' ') $(awk -F'\t' '$2 == -1' hfolds.tsv | wc -l | tr -d ' ')" \
	"30 90" "holdout folds-out: 0 test, -1 train (PredefinedSplit)"

# determinism
for m in logreg mlp svm; do
	grym-train --model "$m" --cv 3 --seed 7 -o "$m-1.model" <data.txt >/dev/null
	grym-train --model "$m" --cv 3 --seed 7 -o "$m-2.model" <data.txt >/dev/null
	ok "$m: same data and --seed, byte-identical model" cmp "$m-1.model" "$m-2.model"
done
grym-train --model mlp --cv 3 --seed 8 -o mlp-3.model <data.txt >/dev/null
fails 1 "mlp: another --seed, another model" cmp -s mlp-1.model mlp-3.model

# TSV made elsewhere
/usr/bin/python3 - <<'PY' >iris.tsv
import random
random.seed(5)
print("id\tlength\twidth\tspecies\tsite")
for i in range(60):
    c = i % 2
    print("x%d\t%.4f\t%.4f\t%s\tsite%d" % (i, random.gauss(3 * c, 1), random.gauss(-c, 1), "setosa" if c else "virginica", i % 4))
PY
out=$(grym-train --target species --cv 4 --group-by site --json iris.tsv)
acc=$(num "$out" accuracy)
satisfies "$acc" 'v >= 0.85' "TSV input, grouped 4-fold accuracy $acc >= 0.85 (chance 0.5)"

# kmeans
out=$(grym-train --model kmeans --k 3 --seed 1 --json -o km.model <data.txt)
is "$(num "$out" labels)" "['0', '1', '2']" "kmeans: clusters 0..2"

# bad input
awk '/^#/ { sub(/"labels": \["[abc]"\]/, "\"labels\": [\"a\"]") } { print }' data.txt >one.txt
fails 1 "one class only" grym-train -o bad.model one.txt
like "$(cat .err)" "only one class \('a'\)" "one class: clear message"
check "nothing written on failure" test ! -e bad.model
awk '/^#item000/ { sub(/"labels": \["a"\]/, "\"labels\": [\"lonely\"]") } { print }' data.txt >lonely.txt
fails 1 "a class with one item under --cv 5" grym-train --cv 5 lonely.txt
like "$(cat .err)" "class 'lonely' has 1 item, fewer than the 5 folds" "lonely class: clear message"
awk '/^#item004/ { sub(/"labels": \["b"\]/, "\"labels\": []") } { print }' data.txt >nolabel.txt
fails 1 "missing label" grym-train --cv 5 nolabel.txt
like "$(cat .err)" "item item004 has no label" "missing label named"
awk '/^#item007/ { sub(/"labels": \["b"\]/, "\"labels\": [\"b\", \"c\"]") } { print }' data.txt >two.txt
fails 1 "two candidate labels" grym-train two.txt
like "$(cat .err)" "item item007 has labels b and c: .*--on-conflict first.*--target" "several labels named, and the ways out"
awk '$1 == "item009" { $3 = "nan" } { print }' OFS='\t' data.txt >nan.txt
fails 1 "NaN feature" grym-train nan.txt
like "$(cat .err)" "item009.*NaN in feature column 1" "NaN named"
fails 1 "empty input" grym-train </dev/null
fails 2 "--cv with --holdout" grym-train --cv 3 --holdout 0.2 data.txt
fails 2 "unknown model" grym-train --model forest data.txt
fails 2 "bad --hidden" grym-train --model mlp --hidden 12,x data.txt
fails 2 "kmeans with --cv" grym-train --model kmeans --cv 3 data.txt
done_testing
