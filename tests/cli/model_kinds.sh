#!/bin/sh
# model_kinds.sh — what the programs say about model kinds, all of it
# from the kinds' table in lib/ml (kinds.c): a model file of a kind this
# grym does not know is refused by grym-infer and grym-train --show with
# the file, the kind and the kinds it knows; --model of no kind lists the
# kinds; a hyper-parameter a kind does not take names the kinds that take
# it (and why, where there is more to say); a clusterer refuses
# cross-validation. The seed models of tests/fuzz/corpus/fuzz_model are
# used as they are.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 16

kinds="logreg, linsvm, svm, knn, mlp, kmeans"
seeds=$GRYM_TOP/tests/fuzz/corpus/fuzz_model
printf '#x\t{"kind": "vector", "cols": 3}\nx\t1\t2\t3\n' >x.txt

# the logreg seed with its type renamed (same length), the checksum redone
/usr/bin/python3 - "$seeds/logreg" forest.model <<'PY'
import hashlib, sys
b = open(sys.argv[1], "rb").read()
assert b'"type":"logreg"' in b
b = b[:-32].replace(b'"type":"logreg"', b'"type":"forest"', 1)
open(sys.argv[2], "wb").write(b + hashlib.sha256(b).digest())
PY
ok "the logreg seed predicts" grym-infer -m "$seeds/logreg" x.txt
fails 1 "a model of kind forest: grym-infer refuses it" grym-infer -m forest.model x.txt
is "$(cat .err)" "grym-infer: forest.model: model header: unknown model type 'forest' (this grym knows $kinds)" \
	"grym-infer names the file, the kind and the kinds it knows"
fails 1 "grym-train --show refuses it" grym-train --show forest.model
like "$(cat .err)" "^grym-train: forest\.model: model header: unknown model type 'forest' \(this grym knows $kinds\)" \
	"grym-train --show names the file and the kind"
for k in kmeans svm; do
	ok "--show the $k seed" grym-train --show "$seeds/$k"
	like "$(head -n 1 .out)" "^type +$k$" "the $k seed is a $k model"
done

fails 2 "--model forest" grym-train --model forest x.txt
like "$(cat .err)" "^grym-train: --model: unknown value 'forest' \(one of: $kinds\)" "the kinds listed"
fails 2 "--max-iter with svm" grym-train --model svm --max-iter 5 x.txt
like "$(cat .err)" "^grym-train: --max-iter does not apply to svm \(only to logreg, kmeans; libsvm stops at max\(10\^7, 100 x items\) iterations\)" \
	"the kinds that take it, and why not svm"
fails 2 "--k with logreg" grym-train --model logreg --k 3 x.txt
like "$(cat .err)" "^grym-train: --k does not apply to logreg \(only to knn, kmeans\)$" "the kinds that take --k"
fails 2 "kmeans with --holdout" grym-train --model kmeans --holdout 0.2 x.txt
done_testing
