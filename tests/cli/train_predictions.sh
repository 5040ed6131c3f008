#!/bin/sh
# train_predictions.sh — grym-train --predictions FILE: every tested
# item's out-of-fold prediction (key, fold, true, predicted, one
# probability per class, a header naming them) under --cv and --holdout,
# agreeing with the folds, with the report's confusion matrix and, scored
# by scikit-learn, with its metrics; kept in the catalog beside the model
# (named in its training record, kept by gc).
. "$GRYM_TOP/tests/lib/cli.sh"

/usr/bin/python3 - <<'PY' >data.txt
import json, random
random.seed(1); d = 6
for i in range(120):
    c = i % 3
    key = "item%03d" % i
    v = [random.gauss(0, 1) + (1.0 if j == c else 0) for j in range(d)]
    meta = {"kind": "vector", "cols": d, "labels": ["abc"[c]], "meta": {"speaker": "s%d" % (i % 8)}}
    print("#%s\t%s" % (key, json.dumps(meta)))
    print(key + "\t" + "\t".join("%.6g" % x for x in v))
PY

ok "--cv 5 --predictions" grym-train --cv 5 --seed 1 --json --predictions p.tsv --folds-out f.tsv -o m.model data.txt
cp .out report.json
is "$(head -n 1 p.tsv)" "$(printf 'key\tfold\ttrue\tpredicted\ta\tb\tc')" "header names the columns and the classes"
is "$(tail -n +2 p.tsv | wc -l | tr -d ' ')" "120" "one line per item"
is "$(tail -n +2 p.tsv | cut -f1,2)" "$(cat f.tsv)" "keys and folds are those of --folds-out, in input order"
is "$(awk -F'\t' 'NR > 1 { s = $5 + $6 + $7; if (s < 0.9999 || s > 1.0001) n++ } END { print n + 0 }' p.tsv)" "0" \
	"probabilities sum to 1"
is "$(awk -F'\t' 'NR > 1 { b = 5; for (k = 6; k <= 7; k++) if ($k > $b) b = k; if ($4 != substr("abc", b - 4, 1)) n++ } END { print n + 0 }' p.tsv)" \
	"0" "the predicted label is the most probable"
is "$(/usr/bin/python3 - p.tsv report.json <<'PY'
import sys, json, warnings
warnings.simplefilter("ignore")
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, confusion_matrix
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
y = [r[2] for r in rows]; p = [r[3] for r in rows]
rep = json.load(open(sys.argv[2]))
ok = (abs(accuracy_score(y, p) - rep["accuracy"]) < 1e-6 and
      abs(balanced_accuracy_score(y, p) - rep["balanced_accuracy"]) < 1e-6 and
      abs(f1_score(y, p, average="macro") - rep["macro_f1"]) < 1e-6 and
      confusion_matrix(y, p, labels=rep["labels"]).tolist() == rep["confusion"])
print("same" if ok else "differ")
PY
)" "same" "scikit-learn scores the predictions file as the report does"

ok "--holdout 0.25 --group-by --predictions" grym-train --holdout 0.25 --group-by speaker --seed 2 --predictions h.tsv --json data.txt
is "$(tail -n +2 h.tsv | wc -l | tr -d ' ')" "$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["n"])' "$(cat .out)")" \
	"holdout: one line per tested item"
is "$(tail -n +2 h.tsv | cut -f2 | sort -u)" "0" "holdout: fold 0"

fails 2 "--predictions without an evaluation" grym-train --predictions x.tsv --model kmeans --k 2 data.txt
check "nothing written" test ! -e x.tsv

# the catalog keeps them with the model
mid=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["model_id"])' report.json)
ok "grym-catalog show the model" grym-catalog show "$mid"
oid=$(/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["training"]["predictions"])' <.out)
like "$oid" "^[0-9a-f]{64}$" "the model's training record names the predictions object"
ok "the object holds the predictions file" cmp p.tsv "$GRYM_CATALOG/objects/$(echo "$oid" | cut -c1-2)/$oid"
ok "gc" grym-catalog gc --grace 0
check "gc keeps the predictions object" test -f "$GRYM_CATALOG/objects/$(echo "$oid" | cut -c1-2)/$oid"
done_testing
