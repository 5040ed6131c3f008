#!/bin/sh
# infer_batch.sh — grym-infer's numbers do not depend on how items are
# batched: for every model kind, -j 1, -j 2 and -j 3 (which cut every
# batch of 4096 differently, and hold OpenBLAS to one thread) and inputs
# cut into pieces give byte-identical output, six decimals and all.
. "$GRYM_TOP/tests/lib/cli.sh"

/usr/bin/python3 - <<'PY' >train.txt
import json, random
random.seed(3); d = 13
for i in range(300):
    c = i % 3
    key = "t%04d" % i
    v = [random.gauss(0, 1) + (1.2 if j == c else 0) + 0.5 * j for j in range(d)]
    print("#%s\t%s" % (key, json.dumps({"kind": "vector", "cols": d, "labels": ["abc"[c]]})))
    print(key + "\t" + "\t".join("%.7g" % x for x in v))
PY
/usr/bin/python3 - <<'PY' >query.txt
import json, random
random.seed(4); d = 13
for i in range(5000):
    c = i % 3
    key = "q%04d" % i
    v = [random.gauss(0, 1.3) + (1.2 if j == c else 0) + 0.5 * j for j in range(d)]
    print("#%s\t%s" % (key, json.dumps({"kind": "vector", "cols": d})))
    print(key + "\t" + "\t".join("%.7g" % x for x in v))
PY
head -n 3002 query.txt >part1.txt
tail -n +3003 query.txt >part2.txt

for m in logreg linsvm svm knn mlp kmeans; do
	extra=
	[ "$m" = mlp ] && extra="--hidden 57 --epochs 30"
	[ "$m" = kmeans ] && extra="--k 4"
	ok "$m: train" grym-train --model "$m" $extra --seed 1 -o "$m.model" train.txt
	ok "$m: infer -j 1" grym-infer -m "$m.model" --top 3 -j 1 query.txt
	cp .out "$m.j1"
	is "$(wc -l <"$m.j1" | tr -d ' ')" "5000" "$m: one line per query"
	for j in 2 3; do
		ok "$m: infer -j $j" grym-infer -m "$m.model" --top 3 -j $j -o "$m.j$j" query.txt
		ok "$m: -j 1 and -j $j give byte-identical output" cmp "$m.j1" "$m.j$j"
	done
	ok "$m: infer the queries in two inputs" grym-infer -m "$m.model" --top 3 -j 2 -o "$m.parts" part1.txt part2.txt
	ok "$m: other batch boundaries give byte-identical output" cmp "$m.j1" "$m.parts"
	tail -n 3499 "$m.j1" >"$m.tail"
	ok "$m: infer the last 3499 queries alone" grym-infer -m "$m.model" --top 3 -o "$m.p2" part2.txt
	ok "$m: items predicted without their batch neighbours give the same lines" cmp "$m.tail" "$m.p2"
done
done_testing
