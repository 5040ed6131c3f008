#!/bin/sh
# train_honest.sh — grym-train refuses or flags what would make its scores
# dishonest or its model files lie: mixed recipes (named, every route),
# windows of one clip spread over folds (grouped by their asset by
# default), repeated items (kept once, with a warning), the label column
# kept as a feature under --target, options that a model ignores (refused,
# exit 2; the model records only what it used), a solver stopping at its
# limit (a warning, as scikit-learn's ConvergenceWarning; -q silences it),
# and --k above the training set (refused). Data are made here.
. "$GRYM_TOP/tests/lib/cli.sh"

gen() { # SEED N [HOP] [SEGMENTS]: 3 classes of 8-dim records, text stream
	/usr/bin/python3 - "$@" <<'PY'
import sys, json, random
seed, n = int(sys.argv[1]), int(sys.argv[2])
hop = int(sys.argv[3]) if len(sys.argv) > 3 else 512
segs = int(sys.argv[4]) if len(sys.argv) > 4 else 0
random.seed(seed); d = 8
for i in range(n):
    c = i % 3; spk = i % 6
    key = "item%03d" % i
    clip = [random.gauss(0, 1) + (2.0 if j == c else 0) for j in range(d)]
    for s in range(max(segs, 1)):
        v = [x + random.gauss(0, 0.3) for x in clip] if segs else clip
        meta = {"kind": "vector", "cols": d, "labels": ["abc"[c]], "asset": "%064x" % (i + 1),
                "meta": {"speaker": "s%d" % spk},
                "pipeline": [{"stage": "normalize", "lufs": -23},
                             {"stage": "features", "features": ["mfcc"], "hop": hop}],
                "names": ["f%d" % j for j in range(d)]}
        if segs:
            meta["segment"] = s
        print("#%s\t%s" % (key, json.dumps(meta)))
        print(key + "\t" + "\t".join("%.6g" % x for x in v))
PY
}
get() { /usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j[sys.argv[2]])' "$@"; }
gen 1 60 >a.txt
gen 2 30 256 | sed 's/item0/other0/' >b.txt

# ---- 3. mixed recipes are refused, one item of each named ----
fails 1 "records of two recipes (hop 512, hop 256): refused" sh -c 'cat a.txt b.txt | grym-train --cv 3'
like "$(cat .err)" "item other000 .*item item000|item item000 .*item other000" "one item of each recipe named"
like "$(cat .err)" "hop" "the differing key named"
sed 's/"lufs": -23/"lufs": -16/' b.txt | sed 's/"hop": 256/"hop": 512/' >c.txt
fails 1 "records normalized to -23 and -16 LUFS: refused" sh -c 'cat a.txt c.txt | grym-train'
like "$(cat .err)" "lufs" "the normalize stage's differing key named"
fails 1 "mixed recipes over two input files: refused" grym-train a.txt c.txt
ok "one recipe trains" grym-train --cv 3 a.txt

# ---- 4. windows of one clip stay in one fold ----
gen 3 60 512 4 >w.txt
ok "windows: 5-fold CV" grym-train --cv 5 --seed 1 --folds-out folds.tsv -v w.txt
is "$(sort -u folds.tsv | cut -f1 | sort | uniq -d | head -n 1)" "" "every clip's windows in one fold"
like "$(cat .err)" "grouped by asset" "-v says the records are grouped by asset"
ok "windows: holdout" grym-train --holdout 0.25 --seed 1 --folds-out hold.tsv w.txt
is "$(sort -u hold.tsv | cut -f1 | sort | uniq -d | head -n 1)" "" "holdout: every clip's windows on one side"
ok "--group-by speaker still overrides" grym-train --cv 3 --group-by speaker --seed 1 --folds-out sp.tsv --json w.txt
is "$(get .out group_by)" "speaker" "grouped by speaker"
is "$(cut -f2 sp.tsv | sort -u | wc -l | tr -d ' ')" "3" "three folds"
fails 1 "--group-by a field finer than the clip: refused" grym-train --cv 3 --group-by segment w.txt
like "$(cat .err)" "item 0{63}1 has rows in two groups of 'segment' \(0, 1\)" "the clip and the two groups named"
ok "one record per clip: stratified as before" grym-train --cv 5 --seed 1 --folds-out f1.tsv -v a.txt
is "$(grep -c 'grouped by asset' .err)" "0" "no grouping message when every clip has one record"

# ---- 5. repeated items are kept once, with a warning ----
ok "once" grym-train --model knn --k 1 --cv 5 --seed 1 --json a.txt
cp .out once.json
ok "twice (cat f f)" sh -c 'cat a.txt a.txt | grym-train --model knn --k 1 --cv 5 --seed 1 --json'
is "$(get .out accuracy)" "$(get once.json accuracy)" "the same accuracy as the items once"
is "$(get .out items)" "60" "60 items, not 120"
like "$(cat .err)" "warning: 60 repeated items left out \(first: item000\)" "a warning names the first repeat"
ok "-q silences the warning" sh -c 'cat a.txt a.txt | grym-train -q --model knn --k 1 --cv 5 --seed 1 --json'
is "$(cat .err)" "" "nothing on stderr with -q"

# ---- 6. non-feature columns never become features ----
/usr/bin/python3 - <<'PY' >t.tsv
import random
random.seed(5)
print("key\tlabel\ty\tgroup\ttarget\tsplit\tf0\tf1\tf2")
for i in range(90):
    c = i % 2
    print("k%d\t%d\t%d\tg%d\t%d\ttrain\t%s" % (i, c, c, i % 9, c,
          "\t".join("%.5f" % random.gauss(0, 1) for _ in range(3))))
PY
ok "--target y on a TSV with a label column" grym-train --target y --model knn --k 1 --cv 3 --seed 1 --json -v t.tsv
like "$(cat .err)" "features \(3\): f0 f1 f2$" "-v prints the three feature names"
is "$(get .out dims)" "3" "3 dims: label, target, group, split and key are not features"
awk -v a="$(get .out accuracy)" 'BEGIN { exit !(a < 0.8) }'
is "$?" "0" "noise scores like noise"

# ---- 9. options a model does not use are refused; the model records what it used ----
fails 2 "--max-iter with linsvm" grym-train --model linsvm --max-iter 5 a.txt
like "$(cat .err)" "--max-iter does not apply to linsvm" "named"
fails 2 "--max-iter with svm" grym-train --model svm --max-iter 5 a.txt
fails 2 "--class-weight with knn" grym-train --model knn --class-weight balanced a.txt
like "$(cat .err)" "--class-weight does not apply to knn" "named"
fails 2 "--gamma with logreg" grym-train --model logreg --gamma 0.1 a.txt
fails 2 "--k with logreg" grym-train --k 3 a.txt
fails 2 "--hidden with knn" grym-train --model knn --hidden 5 a.txt
fails 2 "--C with mlp" grym-train --model mlp --C 2 a.txt
fails 2 "--n-init with knn" grym-train --model knn --n-init 2 a.txt
ok "--class-weight with logreg" grym-train --class-weight balanced a.txt
params() { # MODEL: the header's params keys, sorted
	/usr/bin/python3 - "$1" <<'PY'
import json, struct, sys
b = open(sys.argv[1], "rb").read()
h = struct.unpack("<I", b[12:16])[0]
print(" ".join(sorted(json.loads(b[16:16 + h])["params"])))
PY
}
ok "a knn model" grym-train --model knn -o knn.model a.txt
is "$(params knn.model)" "k metric" "knn records k and metric only"
ok "a linsvm model" grym-train --model linsvm -o lin.model a.txt
is "$(params lin.model)" "C class_weight tol" "linsvm records C, class_weight, tol"
ok "an mlp model" grym-train --model mlp --epochs 5 -o mlp.model a.txt
is "$(params mlp.model)" "alpha batch_size class_weight dropout epochs hidden lr patience tol val_fraction" \
	"mlp records its own parameters"
ok "the knn model still predicts" sh -c 'grym-infer -m knn.model <a.txt'

# ---- 10. a solver stopping at its limit warns (respecting -q) ----
ok "logreg --max-iter 3" grym-train --max-iter 3 --cv 3 a.txt
like "$(cat .err)" "warning: logreg: L-BFGS stopped at --max-iter 3 before converging" "a convergence warning"
is "$(grep -c warning .err)" "1" "said once, not once per fold"
ok "logreg --max-iter 3 -q" grym-train -q --max-iter 3 --cv 3 a.txt
is "$(cat .err)" "" "-q: no warning"
ok "logreg default" grym-train --cv 3 a.txt
is "$(cat .err)" "" "no warning when it converges"
ok "kmeans --max-iter 1" grym-train --model kmeans --k 3 --max-iter 1 --n-init 1 a.txt
like "$(cat .err)" "warning: kmeans: stopped at --max-iter 1" "kmeans warns"
ok "mlp --epochs 2" grym-train --model mlp --epochs 2 --val-fraction 0 a.txt
like "$(cat .err)" "warning: mlp: stopped at --epochs 2" "mlp warns"
ok "linsvm that cannot converge" grym-train --model linsvm --C 1000 --tol 1e-12 a.txt
like "$(cat .err)" "warning: linsvm: liblinear stopped at its 1000 iterations" "liblinear's limit warns"

# ---- 11. --k above the training set is refused ----
fails 1 "knn --k 61 on 60 items" grym-train --model knn --k 61 a.txt
like "$(cat .err)" "--k 61 is more than the 60 training items" "named"
fails 1 "knn --k 50 --cv 5 (48 training items per fold)" grym-train --model knn --k 50 --cv 5 a.txt
like "$(cat .err)" "fold 1: knn: --k 50 is more than the 48 training items" "the fold named"
ok "knn --k 48 --cv 5 fits" grym-train --model knn --k 48 --cv 5 a.txt
done_testing
