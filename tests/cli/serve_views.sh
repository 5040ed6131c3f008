#!/bin/sh
# serve_views.sh — grym-serve's views of an asset over loopback: peaks,
# spectrogram (JSON and PNG), loudness and features with their shapes and
# exact values where they are known, the 400s naming the field, the
# views cached after the first request; and GET /api/embedding in 2 and
# 3 dimensions.
. "$GRYM_TOP/tests/lib/cli.sh"
. "$GRYM_TOP/tests/lib/serve.sh"
PY=/usr/bin/python3
export GRYM_CATALOG=$CAT

plan 32

# a mono -20 dBFS 1 kHz sine of 3 s (-23 LUFS), a stereo noise, and a
# dataset of 2 x 3 with MFCC summaries for the embedding
grym-synth sine -d 3 -o s.wav
grym-synth noise -d 1 -c 2 -o n.wav
grym-synth dataset --classes 2 --per-class 3 --seed 2 DIR
grym-ingest -q --text s.wav n.wav >/dev/null
grym-ingest -q --label-from-dir DIR | grym-features --features mfcc --summary >/dev/null
S=$(sha256sum s.wav | cut -c1-64) N=$(sha256sum n.wav | cut -c1-64)

serve_start --rate-limit 0 || { echo "not ok - server"; exit 1; }
A="Authorization: Bearer $ADMIN"
get() { curl -s -H "$A" "$SRV$1"; }
jq() { $PY -c "import sys,json; d=json.load(sys.stdin); print($1)"; }
views() { sqlite3 "$CAT/catalog.db" "SELECT count(*) FROM views WHERE asset = '$1' AND kind LIKE '$2%'"; }

# ---- peaks ----
p=$(get "/api/assets/$S/peaks?points=10")
is "$(printf '%s' "$p" | jq 'd["points"], d["channels"], len(d["peaks"]), len(d["peaks"][0]), d["duration"]')" \
	"10 1 1 20 3" "peaks: 10 points, one channel of 20 numbers, 3 s"
is "$(printf '%s' "$p" | jq 'round(max(d["peaks"][0]), 3), round(min(d["peaks"][0]), 3)')" "0.1 -0.1" \
	"a -20 dBFS sine peaks at +-0.1 (full scale, quiet looks quiet)"
is "$(get "/api/assets/$N/peaks?points=4" | jq 'len(d["peaks"]), len(d["peaks"][1])')" "2 8" "stereo: two channels"
is "$(get "/api/assets/$S/peaks?points=5&start=1&end=2" | jq 'd["start"], d["end"], d["points"]')" "1 2 5" "a range"
is "$(views "$S" peaks)" 1 "the pyramid is stored once"
get "/api/assets/$S/peaks?points=7" >/dev/null
is "$(views "$S" peaks)" 1 "another request reads it"
for q in points=0 points=100001 points=x start=-1 'start=2&end=1' end=nan; do
	f=${q%%=*}
	[ "$q" = 'start=2&end=1' ] && f=start
	is "$(curl -s -w ' %{http_code}' -H "$A" "$SRV/api/assets/$S/peaks?$q" | sed 's/.*"field":"\([a-z]*\)".* \([0-9]*\)$/\1 \2/')" \
		"$f 400" "peaks?$q: 400 naming $f"
done
is "$(code GET /api/assets/00000000/peaks -H "$A")" 404 "peaks of no asset: 404"

# ---- spectrogram ----
sp=$(get "/api/assets/$S/spectrogram?width=16&height=8")
is "$(printf '%s' "$sp" | jq 'd["width"], d["height"], d["scale"], len(__import__("base64").b64decode(d["data"])), len(d["frequencies"])')" \
	"16 8 mel 128 8" "spectrogram JSON: 16 x 8 bytes of data, 8 frequencies"
is "$(printf '%s' "$sp" | jq 'd["frequencies"][0] > d["frequencies"][-1]')" True "row 0 is the highest band"
is "$(get "/api/assets/$S/spectrogram?width=4&height=4&scale=linear" | jq 'd["scale"]')" linear "scale=linear"
curl -s -D hdr -o sp.png -H "$A" "$SRV/api/assets/$S/spectrogram?width=32&height=16&format=png"
like "$(tr -d '\r' <hdr)" 'Content-Type: image/png' "PNG: image/png"
is "$(head -c 8 sp.png | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a "PNG magic"
is "$($PY -c 'import struct,sys; d=open("sp.png","rb").read(); print(*struct.unpack(">II", d[16:24]))')" "32 16" \
	"PNG of 32 x 16"
for q in width=0 height=2000 scale=log format=gif; do
	is "$(curl -s -w ' %{http_code}' -H "$A" "$SRV/api/assets/$S/spectrogram?$q" | sed 's/.*"field":"\([a-z]*\)".* \([0-9]*\)$/\1 \2/')" \
		"${q%%=*} 400" "spectrogram?$q: 400 naming ${q%%=*}"
done

# ---- loudness ----
l=$(get "/api/assets/$S/loudness?points=10")
is "$(printf '%s' "$l" | jq 'round(d["integrated"], 1), round(d["sample_peak"], 1), len(d["momentary"]) <= 10')" \
	"-23.0 -20.0 True" "loudness: -23 LUFS integrated, -20 dBFS peak, at most 10 values"
is "$(curl -s -w ' %{http_code}' -H "$A" "$SRV/api/assets/$S/loudness?points=-1" | sed 's/.*"field":"\([a-z]*\)".* \([0-9]*\)$/\1 \2/')" \
	"points 400" "loudness?points=-1: 400"

# ---- features ----
f=$(get "/api/assets/$S/features?names=rms,mfcc&points=5")
is "$(printf '%s' "$f" | jq 'd["features"]["rms"]["points"], len(d["features"]["rms"]["values"][0]), d["features"]["mfcc"]["dims"], len(d["features"]["mfcc"]["values"])')" \
	"5 5 20 20" "features: rms over 5 points, mfcc 20 series"
is "$(printf '%s' "$f" | jq 'round(d["features"]["rms"]["summary"]["mean"][0], 3)')" 0.071 \
	"rms of a 0.1 sine: 0.071"
is "$(curl -s -w ' %{http_code}' -H "$A" "$SRV/api/assets/$S/features?names=nope" | sed 's/.*"field":"\([a-z]*\)".* \([0-9]*\)$/\1 \2/')" \
	"names 400" "features?names=nope: 400 naming names"

# ---- embedding ----
e=$(get "/api/embedding?features=mfcc&dims=2")
is "$(printf '%s' "$e" | jq 'len(d["items"]), len(d["explained"]), "z" in d["items"][0], sorted(set(i["labels"][0] for i in d["items"] if i["labels"]))')" \
	"7 2 False ['chirp-up', 'tone']" \
	"embedding 2-D: the 7 assets with MFCC summaries (the dataset's 6, the sine's from its features view), x and y"
e=$(get "/api/embedding?features=mfcc&dims=3")
is "$(printf '%s' "$e" | jq 'len(d["items"]), len(d["explained"]), "z" in d["items"][0]')" "7 3 True" "embedding 3-D: z too"
is "$(curl -s -w ' %{http_code}' -H "$A" "$SRV/api/embedding?dims=4" | sed 's/.*"field":"\([a-z]*\)".* \([0-9]*\)$/\1 \2/')" \
	"dims 400" "dims=4: 400"
is "$(code GET '/api/embedding?model=nomodel' -H "$A")" 404 "an unknown model: 404"
