#!/bin/sh
# infer_catalog.sh — grym-train stores its model in the catalog (file +
# row with type, name, metrics), grym-infer finds a model by catalog name
# or id prefix, and stores a prediction for every input that is a catalog
# asset (checked in the SQLite database itself).
. "$GRYM_TOP/tests/lib/cli.sh"
plan 19

# three assets in the catalog, through an export archive
mkdir -p exp/objects
for i in 1 2 3; do
	printf 'clip %s' "$i" >c$i
	id=$(sha256sum c$i | cut -c1-64)
	cp c$i exp/objects/$id
	echo "$id"
done >ids.txt
/usr/bin/python3 -c '
import json
ids = open("ids.txt").read().split()
print(json.dumps({"format": "grym-catalog-export", "version": 1,
  "assets": [{"id": i, "kind": "source", "object": i, "bytes": 7, "labels": ["x"]} for i in ids]}))' >exp/catalog.json
(cd exp && tar cf ../exp.tar catalog.json objects)
ok "import three assets" grym-catalog import exp.tar

# training vectors (2 classes) and three vectors keyed by the asset ids
/usr/bin/python3 - <<'PY' >train.txt
import json, random
random.seed(3)
for i in range(60):
    c = i % 2
    print("#t%d\t%s" % (i, json.dumps({"kind": "vector", "cols": 3, "labels": [["lo", "hi"][c]]})))
    print("t%d\t%s" % (i, "\t".join("%.5f" % (random.gauss(0, 0.5) + 2 * c) for _ in range(3))))
PY
{ n=0; for id in $(cat ids.txt); do
	n=$((n + 1)); v=$([ $n = 2 ] && echo 2 || echo 0)
	printf '#%s\t{"kind":"vector","cols":3}\n%s\t%s\t%s\t%s\n' "$id" "$id" "$v" "$v" "$v"
done; } >assets.txt

ok "train into the catalog" grym-train --name lohi --cv 3 --seed 1 --json train.txt
mid=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["model_id"])' .out)
like "$mid" "^[0-9a-f]{64}$" "the report gives the model id"
db="$GRYM_CATALOG/catalog.db"
is "$(sqlite3 "$db" "select type || ' ' || name from models where id = '$mid'")" "logreg lohi" "model row: type and name"
like "$(sqlite3 "$db" "select metrics from models where id = '$mid'")" '"accuracy":1' "model row carries the metrics"
check "model object is in the store" test -n "$(find "$GRYM_CATALOG" -type f -name "*${mid#??}*" | head -n 1)"

ok "infer with the model's catalog name" grym-infer -m lohi assets.txt
cp .out byname.tsv
is "$(cut -f2 byname.tsv | tr '\n' ' ')" "lo hi lo " "predictions by catalog name"
ok "infer with an id prefix" grym-infer -m "$(echo "$mid" | cut -c1-10)" assets.txt
cp .out byprefix.tsv
ok "same output by prefix" cmp byprefix.tsv byname.tsv
is "$(sqlite3 "$db" "select count(*) from predictions where model = '$mid'")" "3" "three predictions stored"
a2=$(sed -n 2p ids.txt)
is "$(sqlite3 "$db" "select label from predictions where model = '$mid' and asset = '$a2'")" "hi" \
	"the stored prediction of the second asset"

# a model given as a file gets its row on its first stored prediction
ok "train to a file only" env -u GRYM_CATALOG grym-train --seed 2 -o f.model train.txt
fid=$(sha256sum f.model | cut -c1-64)
ok "infer with a model file" grym-infer -m f.model assets.txt
is "$(sqlite3 "$db" "select count(*) from predictions where model = '$fid'")" "3" "predictions of a file model stored under its hash"
fails 1 "unknown model name" grym-infer -m nosuchmodel assets.txt
is "$(cat .err)" "grym-infer: nosuchmodel: no such file, and in the catalog $GRYM_CATALOG: no model named 'nosuchmodel'" \
	"unknown model name: what was looked for and where"
fails 1 "unknown model id prefix" grym-infer -m abcdef assets.txt
is "$(cat .err)" "grym-infer: abcdef: no such file, and in the catalog $GRYM_CATALOG: no model named 'abcdef' nor with an id starting so" \
	"unknown hex name: looked for as a name and as an id prefix"
done_testing
