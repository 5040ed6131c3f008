#!/bin/sh
# train_show.sh — a model file says what it predicts and from what: the
# target field, the grouping, the classes with their training counts, for
# kmeans the inertia and cluster sizes; grym-train --show prints it for a
# file or a catalog model, grym-catalog show for a model id; a model file
# written before this was recorded still loads and predicts.
. "$GRYM_TOP/tests/lib/cli.sh"

/usr/bin/python3 - <<'PY' >data.txt
import json, random
random.seed(1); d = 5
for i in range(100):
    c = "abc"[0 if i < 50 else 1 if i < 80 else 2]
    key = "item%03d" % i
    v = [random.gauss(0, 1) + (2.0 if j == "abc".index(c) else 0) for j in range(d)]
    meta = {"kind": "vector", "cols": d, "labels": [c], "meta": {"speaker": "s%d" % (i % 7), "genre": "g" + c}}
    print("#%s\t%s" % (key, json.dumps(meta)))
    print(key + "\t" + "\t".join("%.6g" % x for x in v))
PY
jget() { /usr/bin/python3 -c 'import json,sys; j=json.loads(sys.argv[1])
for k in sys.argv[2:]: j = j[k]
print(json.dumps(j, sort_keys=True))' "$@"; }

ok "train, target genre, grouped by speaker" grym-train --target genre --group-by speaker --cv 3 --seed 1 --name shown -o m.model data.txt
mid=$(tail -n 1 .out | sed -n 's/^model //p')
check "the model went into the catalog" test -n "$mid"
ok "--show FILE" grym-train --show m.model
like "$(cat .out)" "target +genre" "--show: the target field"
like "$(cat .out)" "grouped by +speaker" "--show: the grouping"
like "$(cat .out)" "ga +50 items" "--show: class ga with its 50 training items"
like "$(cat .out)" "gc +20 items" "--show: class gc with its 20 training items"
like "$(cat .out)" "evaluation +grouped-cv: accuracy 0\.[0-9]{4}" "--show: the evaluation"
ok "--show --json" grym-train --show m.model --json
is "$(jget "$(cat .out)" training)" \
	'{"class_counts": {"ga": 50, "gb": 30, "gc": 20}, "group_by": "speaker", "items": 100, "target": "genre"}' \
	"--show --json: the training record"
check "the header holds it" grep -aq '"training":{"class_counts":{"ga":50,"gb":30,"gc":20},"group_by":"speaker","items":100,"target":"genre"}' m.model
ok "--show a catalog model by name" grym-train --show shown
like "$(cat .out)" "gb +30 items" "--show NAME reads the catalog's model"
ok "grym-catalog show MODEL_ID" grym-catalog show "$mid"
is "$(jget "$(cat .out)" training class_counts)" '{"ga": 50, "gb": 30, "gc": 20}' "grym-catalog show: the class counts"
is "$(jget "$(cat .out)" training target) $(jget "$(cat .out)" training group_by)" '"genre" "speaker"' \
	"grym-catalog show: target and grouping"
fails 1 "--show of nothing" grym-train --show nosuchmodel
like "$(cat .err)" "nosuchmodel: no such file, nor a model in the catalog" "--show: clear error"

ok "train without --target" grym-train --seed 1 -o plain.model data.txt
ok "--show" grym-train --show plain.model
like "$(cat .out)" "target +the items' single label" "--show: no --target, the items' single label"
like "$(cat .out)" "grouped by +none" "--show: no grouping"

ok "kmeans" grym-train --model kmeans --k 3 --seed 2 -o km.model data.txt
ok "--show kmeans" grym-train --show km.model --json
sizes=$(jget "$(cat .out)" training cluster_sizes)
is "$(/usr/bin/python3 -c 'import json,sys; s=json.loads(sys.argv[1]); print(len(s), sum(s))' "$sizes")" "3 100" \
	"kmeans: three cluster sizes adding up to the 100 items"
inertia=$(jget "$(cat .out)" training inertia)
# the inertia, recomputed by scikit-learn's definition from the centroids
# grym-infer assigns: sum of squared distances in the standardized space
check "kmeans: inertia $inertia is positive" awk -v i="$inertia" 'BEGIN { exit !(i > 0) }'
grym-infer -m km.model data.txt >km.pred
is "$(cut -f2 km.pred | sort | uniq -c | awk '{ print $1 }' | sort -n | tr '\n' ' ')" \
	"$(/usr/bin/python3 -c 'import json,sys; print(" ".join(map(str, sorted(json.loads(sys.argv[1])))) + " ")' "$sizes")" \
	"kmeans: cluster sizes are those grym-infer assigns"
ok "--show kmeans text" grym-train --show km.model
like "$(cat .out)" "inertia +[0-9.]+" "--show: kmeans inertia"

# a model file from before "training" existed: header without it
/usr/bin/python3 - m.model old.model <<'PY'
import sys, json, struct, hashlib
b = open(sys.argv[1], "rb").read()
hl = struct.unpack("<I", b[12:16])[0]
h = json.loads(b[16:16 + hl]); del h["training"]
hs = json.dumps(h, separators=(",", ":"), sort_keys=True).encode()
body = b[:12] + struct.pack("<I", len(hs)) + hs + b[16 + hl:-32]
open(sys.argv[2], "wb").write(body + hashlib.sha256(body).digest())
PY
check "the old-style file has no training record" sh -c '! grep -aq "\"training\"" old.model'
ok "an old model file still shows" grym-train --show old.model
like "$(cat .out)" "training +not recorded" "--show: an old file says the training was not recorded"
ok "an old model file still predicts" grym-infer -m old.model data.txt
cp .out old.pred
grym-infer -m m.model data.txt >new.pred
ok "and predicts as the new one" cmp old.pred new.pred
done_testing
