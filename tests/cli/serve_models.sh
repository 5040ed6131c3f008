#!/bin/sh
# serve_models.sh — grym-serve's model routes over loopback: the page of
# models, one model in full (metrics, per-class table, confusion, the
# out-of-fold prediction of every item), and POST /api/models/ID/infer on
# an asset (the right label first, stored in the catalog) and per window
# over a long recording (one score set per window, the right label in
# each), on a complete resumable upload (scored, not ingested; 409 while
# incomplete, 404 for another's), with their errors.
. "$GRYM_TOP/tests/lib/cli.sh"
. "$GRYM_TOP/tests/lib/serve.sh"
PY=/usr/bin/python3
export GRYM_CATALOG=$CAT

plan 32

# tones vs noise, 6 of each, MFCC summaries, an SVM with 3-fold CV
mkdir -p DIR/tone DIR/noise
for i in 1 2 3 4 5 6; do
	grym-synth sine -f $((200 * i + 100)) -d 1 -r 22050 -o DIR/tone/t$i.wav
	grym-synth noise --seed $i -d 1 -r 22050 -o DIR/noise/n$i.wav
done
grym-ingest -q --label-from-dir DIR | grym-features --features mfcc --summary >/dev/null
grym-train --catalog "$CAT" --features mfcc --cv 3 --seed 1 --model svm --name tn -o m.model >train.out 2>&1
MODEL=$(sqlite3 "$CAT/catalog.db" "SELECT id FROM models WHERE name = 'tn'")
# new audio: a tone the model never saw, and 4 s of tone then 4 s of noise
grym-synth sine -f 1700 -d 1 -r 22050 -o new.wav
grym-synth sine -f 900 -d 4 -r 22050 --then noise --seed 40 -d 4 -o long.wav
grym-ingest -q --text new.wav long.wav >/dev/null
NEW=$(sha256sum new.wav | cut -c1-64) LONG=$(sha256sum long.wav | cut -c1-64)

serve_start --rate-limit 0 || { echo "not ok - server"; exit 1; }
A="Authorization: Bearer $ADMIN"
editor=$(grym-serve --catalog "$CAT" token create --role editor 2>/dev/null)
E="Authorization: Bearer $editor"
get() { curl -s -H "$A" "$SRV$1"; }
jq() { $PY -c "import sys,json; d=json.load(sys.stdin); print($1)"; }
infer() { # MODEL QUERY BODY
	curl -s -w '\n%{http_code}' -H "$E" -H 'Content-Type: application/json' --data "$3" \
		"$SRV/api/models/$1/infer$2"
}

like "$MODEL" '^[0-9a-f]{64}$' "a model trained into the catalog"
is "$(get /api/models | jq 'd["total"], d["items"][0]["id"], d["items"][0]["name"], d["items"][0]["accuracy"]')" \
	"1 $MODEL tn 1.0" "GET /api/models: the model, its name and accuracy"
is "$(get '/api/models?limit=0' | jq 'd["error"]["field"]')" limit "limit=0: field limit"
m=$(get /api/models/tn)
is "$(printf '%s' "$m" | jq 'd["id"], d["type"], d["metrics"]["labels"]')" "$MODEL svm ['noise', 'tone']" \
	"GET /api/models/NAME: id, type, labels"
is "$(printf '%s' "$m" | jq 'd["metrics"]["confusion"]')" \
	"[[6, 0], [0, 6]]" "the confusion matrix"
is "$(printf '%s' "$m" | jq '[(c["label"], c["support"], c["recall"]) for c in d["metrics"]["per_class"]]')" \
	"[('noise', 6, 1.0), ('tone', 6, 1.0)]" "the per-class table"
is "$(printf '%s' "$m" | jq 'len(d["predictions"]), all(p["correct"] for p in d["predictions"]), sorted(set(p["fold"] for p in d["predictions"]))')" \
	"12 True [0, 1, 2]" "12 out-of-fold predictions, all correct, over 3 folds"
short=$(printf '%s' "$MODEL" | cut -c1-8)
is "$(get "/api/models/$short" | jq 'd["id"]')" "$MODEL" "by id prefix"
is "$(code GET /api/models/nomodel -H "$A")" 404 "unknown model: 404"

# ---- infer on an asset ----
out=$(infer tn "" "{\"asset\":\"$(printf '%s' "$NEW" | cut -c1-10)\"}")
is "$(printf '%s' "$out" | tail -1)" 200 "infer on an asset (by prefix): 200"
body=$(printf '%s' "$out" | head -1)
is "$(printf '%s' "$body" | jq 'd["model"], d["asset"], len(d["items"]), d["items"][0]["start"]')" "$MODEL $NEW 1 None" \
	"one prediction of the whole asset"
is "$(printf '%s' "$body" | jq 'd["items"][0]["labels"][0]["label"], [l["label"] for l in d["items"][0]["labels"]][1]')" "tone noise" \
	"an unseen tone: tone first"
is "$(printf '%s' "$body" | jq 'abs(sum(l["probability"] for l in d["items"][0]["labels"]) - 1) < 1e-4, d["items"][0]["labels"][0]["probability"] > 0.5')" \
	"True True" "probabilities sum to 1, the first above 0.5"
is "$(sqlite3 "$CAT/catalog.db" "SELECT label FROM predictions WHERE asset = '$NEW' AND model = '$MODEL'")" tone \
	"the prediction is stored"
is "$(infer tn "" '{}' | tail -1)" 400 "no asset: 400"
is "$(infer tn "" '{"asset":"00000000"}' | tail -1)" 404 "an unknown asset: 404"
is "$(infer nomodel "" "{\"asset\":\"$NEW\"}" | tail -1)" 404 "an unknown model: 404"
is "$(code POST /api/models/tn/infer -H "$A" -H 'Content-Type: application/json' --data "{\"asset\":\"$NEW\"}")" 200 \
	"an admin may too"

# ---- per window over a long recording ----
out=$(infer tn '?window=2&hop=2' "{\"asset\":\"$LONG\"}")
is "$(printf '%s' "$out" | tail -1)" 200 "window=2&hop=2 over 8 s: 200"
body=$(printf '%s' "$out" | head -1)
is "$(printf '%s' "$body" | jq '" ".join("%g-%g" % (i["start"], i["end"]) for i in d["items"])')" "0-2 2-4 4-6 6-8" \
	"one score set per window: 4 windows of 2 s"
is "$(printf '%s' "$body" | jq '" ".join(i["labels"][0]["label"] for i in d["items"])')" "tone tone noise noise" \
	"tone in the first two, noise in the last two"
is "$(printf '%s' "$body" | jq 'all(len(i["labels"]) == 2 for i in d["items"])')" True "every label in each"
is "$(infer tn '?window=2&hop=1' "{\"asset\":\"$LONG\"}" | head -1 | jq 'len(d["items"]), d["hop"], d["items"][-1]["start"], d["items"][-1]["end"]')" \
	"8 1.0 7.0 8.0" "hop=1: 8 windows, the last one cut at the end (as grym-features --segment)"
is "$(infer tn '?window=0' "{\"asset\":\"$LONG\"}" | head -1 | jq 'd["error"]["field"]')" window "window=0: 400 naming window"

# ---- infer on a resumable upload (never ingested) ----
grym-synth sine -f 1500 -d 1 -r 22050 -o up.wav
usize=$(stat -c %s up.wav) uhalf=$(($(stat -c %s up.wav) / 2))
head -c $uhalf up.wav >u1
up=$(curl -s -H "$E" -H 'Content-Type: application/json' --data "{\"size\":$usize,\"name\":\"up.wav\"}" \
	"$SRV/api/uploads" | jq 'd["id"]')
curl -s -o /dev/null -X PUT -H "$E" -H "Content-Range: bytes 0-$((uhalf - 1))/$usize" --data-binary @u1 "$SRV/api/uploads/$up"
out=$(infer tn "" "{\"upload\":\"$up\"}")
is "$(printf '%s' "$out" | tail -1) $(printf '%s' "$out" | head -1 | jq 'd["error"]["field"]')" "409 upload" \
	"an incomplete upload: 409 naming upload"
tail -c +$((uhalf + 1)) up.wav >u2
curl -s -o /dev/null -X PUT -H "$E" -H "Content-Range: bytes $uhalf-$((usize - 1))/$usize" --data-binary @u2 "$SRV/api/uploads/$up"
out=$(infer tn "" "{\"upload\":\"$up\"}")
is "$(printf '%s' "$out" | tail -1)" 200 "a complete upload: 200"
is "$(printf '%s' "$out" | head -1 | jq 'd["upload"], d["items"][0]["labels"][0]["label"], len(d["items"])')" "$up tone 1" \
	"its tone scored as tone"
is "$(sqlite3 "$CAT/catalog.db" "SELECT count(*) FROM assets WHERE id = '$(sha256sum up.wav | cut -c1-64)'")" 0 \
	"and not ingested"
is "$(infer tn '?window=0.5' "{\"upload\":\"$up\"}" | head -1 | jq 'len(d["items"]), d["upload"]')" "2 $up" \
	"per window over an upload"
is "$(infer tn "" '{"upload":"0123456789abcdef0123456789abcdef"}' | tail -1)" 404 "no such upload: 404"
admin_up=$(curl -s -H "$A" -H 'Content-Type: application/json' --data '{"size":10,"name":"a"}' "$SRV/api/uploads" | jq 'd["id"]')
is "$(infer tn "" "{\"upload\":\"$admin_up\"}" | tail -1)" 404 "another principal's upload: 404"
is "$(infer tn "" "{\"upload\":\"$up\",\"asset\":\"$NEW\"}" | head -1 | jq 'd["error"]["field"]')" upload \
	"both an asset and an upload: 400"
