#!/bin/sh
# train_reference.sh — every grym-train model predicts like its
# scikit-learn reference (/usr/bin/python3), on data made here with numpy
# (fixed seeds) and on the same standardized rows: the helper below
# standardizes as grym does (mean and population std of the training
# rows, float32 result), and replays grym's --folds-out folds.
#   svm     SVC(C=1, gamma='scale'): identical labels (the one-vs-one
#           vote, not the most probable Platt class), CV accuracy within
#           0.5 points, class_weight='balanced' identical and effective
#   linsvm  LinearSVC (dual, L2 loss): identical labels, CV within 0.5
#   knn     KNeighborsClassifier(5): identical vote shares (neighbours)
#   kmeans  KMeans: same partition (adjusted Rand 1), inertia within 1e-6
#   mlp     MLPClassifier(100, early stopping): CV accuracy within 5
#           points (different optimizers' noise; the folds are the same)
. "$GRYM_TOP/tests/lib/cli.sh"

cat >ref.py <<'PY'
import sys, json
import numpy as np

def gen(seed, d, counts, sep, ngroups, path):
    """Overlapping gaussian classes (counts "n0,n1,..."), a bend in
    column 0 so an RBF kernel has something to do, and a per-speaker
    offset; rows shuffled, keys in order, speaker in meta."""
    rng = np.random.RandomState(seed)
    counts = [int(c) for c in counts.split(",")]
    centers = rng.normal(0, sep, size=(len(counts), d))
    cls = np.repeat(np.arange(len(counts)), counts)
    rng.shuffle(cls)
    goff = rng.normal(0, 0.3, size=(ngroups, d))
    with open(path, "w") as f:
        for i, c in enumerate(cls):
            g = i % ngroups
            v = centers[c] + goff[g] + rng.normal(0, 1, size=d)
            v[0] += 0.8 * np.sin(2 * v[1])
            key = "item%04d" % i
            meta = {"kind": "vector", "cols": d, "labels": ["c%d" % c],
                    "meta": {"speaker": "s%02d" % g}}
            f.write("#%s\t%s\n" % (key, json.dumps(meta)))
            f.write(key + "\t" + "\t".join("%.9g" % x for x in v.astype(np.float32)) + "\n")

def read(path):
    keys, X, y, meta = [], [], [], None
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("#"):
            meta = json.loads(line.split("\t", 1)[1])
            continue
        f = line.split("\t")
        keys.append(f[0])
        X.append([float(v) for v in f[1:]])
        y.append(meta["labels"][0])
    if not keys:
        raise SystemExit("%s: no vectors" % path)
    return keys, np.array(X, dtype=np.float32), np.array(y)

def standardize(Xtr, *others):
    """grym's rule: mean and population std of the training rows (double),
    a constant column keeps scale 1, the result rounded to float32."""
    A = Xtr.astype(np.float64)
    mean = A.mean(axis=0)
    s = np.sqrt(((A - mean) ** 2).mean(axis=0))
    s = np.where(s > 1e-12 * np.maximum(1.0, np.abs(mean)), s, 1.0)
    f = lambda X: ((X.astype(np.float64) - mean) / s).astype(np.float32).astype(np.float64)
    return [f(Xtr)] + [f(X) for X in others]

def estimator(name, opts):
    bal = "balanced" if "balanced" in opts else None
    if name == "svm":
        from sklearn.svm import SVC
        return SVC(C=1.0, gamma="scale", class_weight=bal)
    if name == "linsvm":
        from sklearn.svm import LinearSVC
        return LinearSVC(C=1.0, dual=True, loss="squared_hinge", tol=1e-4, max_iter=1000,
                         intercept_scaling=1, class_weight=bal, random_state=0)
    if name == "knn":
        from sklearn.neighbors import KNeighborsClassifier
        return KNeighborsClassifier(n_neighbors=5, metric="cosine" if "cosine" in opts else "euclidean")
    if name == "mlp":
        from sklearn.neural_network import MLPClassifier
        return MLPClassifier(hidden_layer_sizes=(100,), alpha=1e-4, batch_size=200,
                             learning_rate_init=1e-3, max_iter=200, early_stopping=True,
                             validation_fraction=0.1, n_iter_no_change=10, tol=1e-4, random_state=0)
    raise SystemExit("unknown model " + name)

def infer_out(path):
    """grym-infer --jsonl --top K: key -> (label, {label: probability})"""
    out = {}
    for line in open(path):
        r = json.loads(line)
        out[r["key"]] = (r["label"], {t["label"]: t["probability"] for t in r.get("top", [])})
    return out

def cmd_predict(name, train, test, pred, *opts):
    """Labels of the test rows: 'same total', then the largest difference
    of the probabilities when asked ('proba'); mismatches on stderr."""
    _, Xtr, ytr = read(train)
    kte, Xte, _ = read(test)
    A, B = standardize(Xtr, Xte)
    m = estimator(name, opts).fit(A, ytr)
    ref = m.predict(B)
    g = infer_out(pred)
    missing = [k for k in kte if k not in g]
    if missing:
        raise SystemExit("%s: no prediction for %s" % (pred, missing[0]))
    same = sum(g[k][0] == r for k, r in zip(kte, ref))
    for k, r in zip(kte, ref):
        if g[k][0] != r:
            print("# %s: grym %s, scikit-learn %s" % (k, g[k][0], r), file=sys.stderr)
    if "proba" in opts:
        P = m.predict_proba(B)
        diff = max(abs(g[k][1].get(c, -1) - P[i, j]) for i, k in enumerate(kte)
                   for j, c in enumerate(m.classes_))
        print("%d %d %.3g" % (same, len(kte), diff))
    else:
        print("%d %d" % (same, len(kte)))

def cmd_cv(name, data, folds, *opts):
    """Accuracy of the reference over grym's --folds-out folds."""
    keys, X, y = read(data)
    fold = dict(line.split() for line in open(folds))
    fo = np.array([int(fold[k]) for k in keys])
    right = 0
    for f in sorted(set(fo)):
        tr, te = fo != f, fo == f
        A, B = standardize(X[tr], X[te])
        right += int((estimator(name, opts).fit(A, y[tr]).predict(B) == y[te]).sum())
    print("%.6f" % (right / len(y)))

def cmd_kmeans(k, data, pred):
    """grym's partition of data (from grym-infer) against KMeans: the
    adjusted Rand index and both inertias (grym's from its partition)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    keys, X, _ = read(data)
    (A,) = standardize(X)
    g = infer_out(pred)
    lab = np.array([int(g[key][0]) for key in keys])
    km = KMeans(n_clusters=int(k), n_init=3, random_state=0).fit(A)
    gi = sum(((A[lab == c] - A[lab == c].mean(axis=0)) ** 2).sum() for c in set(lab))
    print("%.9f %.9g %.9g" % (adjusted_rand_score(km.labels_, lab), gi, km.inertia_))

if __name__ == "__main__":
    c, a = sys.argv[1], sys.argv[2:]
    if c == "gen":
        gen(int(a[0]), int(a[1]), a[2], float(a[3]), int(a[4]), a[5])
    elif c == "predict":
        cmd_predict(*a)
    elif c == "cv":
        cmd_cv(*a)
    elif c == "kmeans":
        cmd_kmeans(*a)
PY
ref() { /usr/bin/python3 ref.py "$@"; }
num() { # JSON-FILE KEY
	/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}
# within GOT WANT TOL DESC (near, named for the report)
within() { near "$@"; }

# 400 items, 3 overlapping classes, 10 speakers: train on the first 300,
# test on the last 100; an imbalanced set (240/50/30) for class weights;
# four well-separated blobs for kmeans.
ref gen 11 6 140,140,120 1.0 10 all.txt
ref gen 5 6 240,50,30 1.0 8 imb.txt
ref gen 3 5 60,60,60,60 8.0 4 blobs.txt
for f in all imb blobs; do
	check "$f.txt generated" test -s $f.txt
done
n=$(($(wc -l <all.txt) * 3 / 4)); head -n $n all.txt >train.txt; tail -n +$((n + 1)) all.txt >test.txt
n=$(($(wc -l <imb.txt) * 3 / 4)); head -n $n imb.txt >itrain.txt; tail -n +$((n + 1)) imb.txt >itest.txt

# ---- svm ----
ok "svm trains" grym-train --model svm --seed 1 -o svm.model train.txt
ok "svm predicts" sh -c 'grym-infer -m svm.model --jsonl --top 3 test.txt >svm.pred'
r=$(ref predict svm train.txt test.txt svm.pred)
is "$r" "100 100" "svm labels equal SVC(C=1, gamma='scale').predict on all 100 test items"
grym-infer -m svm.model --top 3 test.txt >svm.top
check "svm: the label is the vote, not always the most probable class (some items here: $(awk -F'\t' '$3 < $5' svm.top | wc -l | tr -d ' '))" \
	test "$(awk -F'\t' '$3 < $5' svm.top | wc -l)" -gt 0
is "$(awk -F'\t' '{ s = $3 + $5 + $7; if (s < 0.9999 || s > 1.0001) print }' svm.top | wc -l | tr -d ' ')" "0" \
	"svm: the Platt probabilities still sum to 1"
is "$(awk -F'\t' '$5 < $7' svm.top | wc -l | tr -d ' ')" "0" "svm --top: the other labels follow by probability"

grym-train --model svm --seed 1 --cv 5 --group-by speaker --folds-out svm.folds --json all.txt >svm.cv
acc=$(num svm.cv accuracy); racc=$(ref cv svm all.txt svm.folds)
within "$acc" "$racc" 0.005 "svm 5-fold grouped CV accuracy $acc within 0.5 points of SVC's $racc on the same folds"

ok "svm trains again" grym-train --model svm --seed 1 -o svm2.model train.txt
ok "two svm trainings give byte-identical models (libsvm's Platt CV seeded)" cmp svm.model svm2.model
ok "svm with another seed" grym-train --model svm --seed 2 -o svm3.model train.txt
# the seed is in every model header, so compare what it changes: the
# Platt probabilities (libsvm's internal CV folds), not the vote
grym-infer -m svm3.model --top 3 test.txt >svm3.top
is "$(cut -f2 svm.top | md5sum)" "$(cut -f2 svm3.top | md5sum)" "another seed: the same svm labels (the vote does not draw)"
check "another seed reaches libsvm's Platt CV: other probabilities" sh -c '! cmp -s svm.top svm3.top'

# class weights: balanced must move the vote, as in SVC(class_weight='balanced')
ok "svm balanced trains" grym-train --model svm --class-weight balanced --seed 1 -o svmb.model itrain.txt
ok "svm unweighted trains" grym-train --model svm --seed 1 -o svmn.model itrain.txt
grym-infer -m svmb.model --jsonl itest.txt >svmb.pred
grym-infer -m svmn.model --jsonl itest.txt >svmn.pred
is "$(ref predict svm itrain.txt itest.txt svmb.pred balanced)" "80 80" \
	"svm --class-weight balanced labels equal SVC(class_weight='balanced').predict on an imbalanced set"
is "$(ref predict svm itrain.txt itest.txt svmn.pred)" "80 80" "svm unweighted labels equal SVC's on the imbalanced set"
changed=$(/usr/bin/python3 -c '
import json, sys
a, b = ([json.loads(l)["label"] for l in open(p)] for p in sys.argv[1:])
print(sum(x != y for x, y in zip(a, b)))' svmn.pred svmb.pred)
check "--class-weight balanced changes $changed of the 80 svm labels" test "$changed" -gt 0

# ---- linsvm ----
ok "linsvm trains" grym-train --model linsvm --seed 1 -o linsvm.model train.txt
grym-infer -m linsvm.model --jsonl test.txt >linsvm.pred
is "$(ref predict linsvm train.txt test.txt linsvm.pred)" "100 100" "linsvm labels equal LinearSVC's on all 100 test items"
grym-train --model linsvm --seed 1 --cv 5 --group-by speaker --folds-out linsvm.folds --json all.txt >linsvm.cv
acc=$(num linsvm.cv accuracy); racc=$(ref cv linsvm all.txt linsvm.folds)
within "$acc" "$racc" 0.005 "linsvm CV accuracy $acc within 0.5 points of LinearSVC's $racc on the same folds"
ok "linsvm balanced trains" grym-train --model linsvm --class-weight balanced --seed 1 -o linsvmb.model itrain.txt
grym-infer -m linsvmb.model --jsonl itest.txt >linsvmb.pred
is "$(ref predict linsvm itrain.txt itest.txt linsvmb.pred balanced)" "80 80" \
	"linsvm --class-weight balanced labels equal LinearSVC(class_weight='balanced')'s"

# ---- knn: the same neighbours give the same vote shares ----
for metric in euclidean cosine; do
	ok "knn $metric trains" grym-train --model knn --metric $metric --seed 1 -o knn.model train.txt
	grym-infer -m knn.model --jsonl --top 3 test.txt >knn.pred
	r=$(ref predict knn train.txt test.txt knn.pred proba $metric)
	is "${r% *}" "100 100" "knn $metric labels equal KNeighborsClassifier's on all 100 test items"
	within "${r##* }" 0 0.000001 "knn $metric vote shares equal predict_proba (identical neighbours; max diff ${r##* })"
done
grym-train --model knn --seed 1 --cv 5 --group-by speaker --folds-out knn.folds --json all.txt >knn.cv
acc=$(num knn.cv accuracy); racc=$(ref cv knn all.txt knn.folds)
within "$acc" "$racc" 0.005 "knn CV accuracy $acc within 0.5 points of KNeighborsClassifier's $racc on the same folds"

# ---- kmeans ----
ok "kmeans trains" grym-train --model kmeans --k 4 --seed 1 -o km.model blobs.txt
grym-infer -m km.model --jsonl blobs.txt >km.pred
set -- $(ref kmeans 4 blobs.txt km.pred)
is "${1:-}" "1.000000000" "kmeans: the same partition as KMeans(4) (adjusted Rand index ${1:-?})"
check "kmeans inertia ${2:-?} equals KMeans' ${3:-?} (relative 1e-6)" \
	awk -v a="${2:-}" -v b="${3:-}" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && b > 0 && d <= 1e-6 * b) }'

# ---- mlp: another optimizer's noise, the same folds ----
grym-train --model mlp --seed 1 --cv 5 --group-by speaker --folds-out mlp.folds --json all.txt >mlp.cv
acc=$(num mlp.cv accuracy); racc=$(ref cv mlp all.txt mlp.folds)
within "$acc" "$racc" 0.05 "mlp CV accuracy $acc within 5 points of MLPClassifier's $racc on the same folds"

done_testing
