#!/bin/sh
# infer.sh — grym-infer on vectors made here (3 classes in 8 dims, as in
# train.sh): line formats, --top, --jsonl, segments, -j, kmeans, and
# clear errors for a wrong dimension and damaged model files.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 41

/usr/bin/python3 - <<'PY' >data.txt
import json, random
random.seed(1); d = 8
for i in range(150):
    c = i % 3
    key = "item%03d" % i
    v = [random.gauss(0, 1) + (3.0 if j == c else 0) for j in range(d)]
    meta = {"kind": "vector", "cols": d, "labels": ["abc"[c]]}
    if i >= 120:
        meta["start"] = (i - 120) * 0.5; meta["end"] = (i - 120) * 0.5 + 1.0
    print("#%s\t%s" % (key, json.dumps(meta)))
    print(key + "\t" + "\t".join("%.6g" % x for x in v))
PY
head -n 240 data.txt >train.txt
tail -n 60 data.txt >seg.txt
ok "train a model" grym-train --seed 1 -o m.model train.txt

ok "infer" grym-infer -m m.model train.txt
cp .out pred.tsv
is "$(wc -l <pred.tsv | tr -d ' ')" "120" "one line per vector"
is "$(awk -F'\t' 'NF != 3 || $3 < 0 || $3 > 1' pred.tsv | wc -l | tr -d ' ')" "0" "key<TAB>label<TAB>probability, probability in [0,1]"
is "$(head -n 1 pred.tsv | cut -f1)" "item000" "input order kept"
right=$(awk -F'\t' '{ c = substr($1, 5) % 3; if ($2 == substr("abc", c + 1, 1)) n++ } END { print n }' pred.tsv)
check "training-set agreement $right/120 >= 110" test "$right" -ge 110

ok "--top 3" grym-infer -m m.model --top 3 train.txt
is "$(awk -F'\t' 'NF != 7 { b++ } END { print NR, b + 0 }' .out)" "120 0" "--top 3: 120 lines of seven fields"
is "$(awk -F'\t' '{ s = $3 + $5 + $7; if (s < 0.9999 || s > 1.0001) print }' .out | wc -l | tr -d ' ')" "0" \
	"--top 3 probabilities sum to 1"
is "$(awk -F'\t' '$3 < $5 || $5 < $7' .out | wc -l | tr -d ' ')" "0" "--top sorted by probability"

ok "--jsonl" grym-infer -m m.model --jsonl --top 2 train.txt
is "$(/usr/bin/python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(len(rows), all(r["label"] == r["top"][0]["label"] and len(r["top"]) == 2 for r in rows))' .out)" \
	"120 True" "--jsonl: one object per vector with key, label, probability, top"

ok "segments" grym-infer -m m.model seg.txt
is "$(head -n 2 .out | cut -f1-3 | tr '\t' ' ' | tr '\n' ';')" "item120 0 1;item121 0.5 1.5;" \
	"segmented records print key, start, end"
is "$(awk -F'\t' 'NF != 5 { b++ } END { print NR, b + 0 }' .out)" "30 0" "30 segment lines of five fields"

grym-infer -m m.model -j 1 data.txt >j1.tsv
grym-infer -m m.model -j 3 data.txt >j3.tsv
ok "-j 3 gives the same output in the same order" cmp j1.tsv j3.tsv
grym-infer -m m.model -j 256 data.txt >j256.tsv
ok "-j 256, the one limit of every program, gives the same output" cmp j1.tsv j256.tsv
fails 2 "-j 257 is a usage error" grym-infer -m m.model -j 257 data.txt
is "$(head -n 1 .err)" "grym-infer: --jobs: 257 is out of range (1 to 256)" "-j 257: the message names the range"
ok "-o FILE" grym-infer -m m.model -o out.tsv data.txt
ok "-o FILE content" cmp out.tsv j1.tsv

# a wrong dimension: reported, the others still predicted
{ head -n 4 data.txt; printf '#short\t{"kind":"vector","cols":4}\nshort\t1\t2\t3\t4\n'; sed -n 5,6p data.txt; } >mixed.txt
fails 1 "wrong dimension exits 1" grym-infer -m m.model mixed.txt
like "$(cat .err)" "grym-infer: short: feature dimension 4 differs from the model's 8" "wrong dimension: clear error"
is "$(cut -f1 .out | tr '\n' ' ')" "item000 item001 item002 " "the other vectors are still predicted"

# features made by another recipe than the model's
sed 's/"labels"/"pipeline": [{"stage": "features", "n_mfcc": 20, "segment": 1.0}], "labels"/' train.txt >r20.txt
sed 's/"labels"/"pipeline": [{"stage": "normalize", "gain": 3}, {"stage": "features", "n_mfcc": 13}], "labels"/' train.txt >r13.txt
sed 's/"labels"/"pipeline": [{"stage": "normalize", "gain": 1}, {"stage": "features", "n_mfcc": 20}], "labels"/' train.txt >r20b.txt
ok "train on n_mfcc 20 features" grym-train --seed 1 -o r20.model r20b.txt
ok "the same recipe (another gain, windows) is accepted" grym-infer -m r20.model r20.txt
fails 1 "another features recipe is refused" grym-infer -m r20.model r13.txt
like "$(head -n 1 .err)" "item000: these features were made with n_mfcc 13, but the model was trained on features made with n_mfcc 20" "recipe mismatch: clear error"

# damaged models
cp m.model flip.model
printf 'X' | dd of=flip.model bs=1 seek=200 conv=notrunc 2>/dev/null
fails 1 "corrupt model" grym-infer -m flip.model data.txt
like "$(cat .err)" "flip.model: model file checksum mismatch" "corrupt model: clear error"
head -c 300 m.model >short.model
fails 1 "truncated model" grym-infer -m short.model data.txt
like "$(cat .err)" "short.model: truncated model file" "truncated model: clear error"
cp m.model new.model
printf '\011' | dd of=new.model bs=1 seek=8 conv=notrunc 2>/dev/null
fails 1 "model from a newer format" grym-infer -m new.model data.txt
like "$(cat .err)" "model format version 9 is newer than this grym reads \(1\)" "newer version: clear error"
fails 1 "not a model" grym-infer -m data.txt data.txt
like "$(cat .err)" "not a grym model file" "foreign file: clear error"
fails 2 "no -m" grym-infer data.txt

# kmeans gives clusters
ok "kmeans model" grym-train --model kmeans --k 3 --seed 2 -o km.model train.txt
ok "kmeans infer" grym-infer -m km.model train.txt
is "$(cut -f2 .out | sort -u | tr '\n' ' ')" "0 1 2 " "kmeans predicts cluster numbers"
pure=$(awk -F'\t' '{ c = substr($1, 5) % 3; n[c " " $2]++ } END { for (k in n) if (n[k] > m[substr(k, 1, 1)]) m[substr(k, 1, 1)] = n[k]; for (c in m) s += m[c]; print s }' .out)
check "kmeans clusters match classes ($pure/120 >= 110)" test "$pure" -ge 110
done_testing
