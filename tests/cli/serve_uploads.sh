#!/bin/sh
# serve_uploads.sh — uploads into grym-serve over loopback: a multipart
# POST of three files and a corrupt one becomes one ingest job (3 assets,
# the corrupt one named in the failures, labels and metadata on the
# assets, peaks built, the staged files gone), eight concurrent uploads,
# a 200 MB upload with the server's resident memory under 100 MB, a
# resumable upload sent in two halves (HEAD gives the offset) and
# ingested, a wrong offset (409 with the expected one), --max-upload
# (413 before a byte is staged), and the refusals of each route.
. "$GRYM_TOP/tests/lib/cli.sh"
. "$GRYM_TOP/tests/lib/serve.sh"
PY=/usr/bin/python3

plan 40

# the big upload: 210 MB, or 1 GiB under `make check-slow` (GRYM_SLOW=1)
if [ "${GRYM_SLOW:-0}" = 1 ]; then
	big_frames=268500000 big_name="1 GiB" max=2G over=3000000000
else
	big_frames=52500000 big_name="200 MB" max=300M over=400000000
fi
serve_start --rate-limit 0 --max-upload $max || { echo "not ok - server"; exit 1; }
A="Authorization: Bearer $ADMIN"
viewer=$(grym-serve --catalog "$CAT" token create --role viewer 2>/dev/null)
editor=$(grym-serve --catalog "$CAT" token create --role editor 2>/dev/null)

# wait JOB: until the job has ended; prints its JSON
wait_job() {
	for _i in $(seq 1 300); do
		_j=$(curl -s -H "$A" "$SRV/api/jobs/$1")
		case $_j in *'"state":"done"'*|*'"state":"failed"'*|*'"state":"cancelled"'*) break ;; esac
		sleep 0.1
	done
	printf '%s' "$_j"
}
jq() { $PY -c "import sys,json; d=json.load(sys.stdin); print($1)"; }

sox -n -r 16000 -c 1 a.wav synth 1 sine 440
sox -n -r 22050 -c 1 b.wav synth 1.5 sine 660
sox -n -r 16000 -c 2 c.wav synth 0.7 sine 880
head -c 5000 /dev/urandom >corrupt.wav

# ---- multipart: three files and a corrupt one, one job
r=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $editor" -F file=@a.wav -F file=@b.wav \
	-F file=@c.wav -F file=@corrupt.wav -F label=dog -F label=park -F meta.split=train \
	"$SRV/api/assets")
is "$(printf '%s' "$r" | tail -1)" 202 "POST /api/assets (multipart): 202"
job=$(printf '%s' "$r" | head -1 | jq 'd["id"]')
is "$(printf '%s' "$r" | head -1 | jq 'd["stage"]')" ingest "one ingest job"
j=$(wait_job "$job")
is "$(printf '%s' "$j" | jq 'd["state"]')" done "the job ends done"
is "$(printf '%s' "$j" | jq 'len(d["result"]["assets"])')" 3 "with 3 assets"
is "$(printf '%s' "$j" | jq '[f["input"] for f in d["result"]["failures"]]')" "['corrupt.wav']" \
	"the corrupt one named in the failures, by its client's name"
is "$(printf '%s' "$j" | jq 'd["result"]["peaks"]')" 3 "each new asset's peaks pyramid built"
is "$(ls "$CAT/serve/staged" | wc -l)" 0 "the staged files are removed"
is "$(printf '%s' "$j" | jq 'd["inputs"][0]')" "{'name': 'a.wav'}" "the job shows the client's names, never the server's paths"
a1=$(printf '%s' "$j" | jq 'd["result"]["assets"][0]["asset"]')
show=$(grym-catalog --catalog "$CAT" show "$a1" 2>&1)
like "$show" 'a\.wav' "the asset records the client's file name"
like "$show" 'park' "and the form's labels"
like "$show" 'split.*train' "and its metadata"
is "$(grym-catalog --catalog "$CAT" fsck >/dev/null 2>&1; echo $?)" 0 "grym-catalog fsck is clean"

# archives: members ingested as assets, an unsafe member refused
$PY - <<'PY'
import zipfile
with zipfile.ZipFile("ok.zip", "w") as z:
    z.write("b.wav", "sub/b.wav")
    z.write("c.wav", "c.wav")
with zipfile.ZipFile("evil.zip", "w") as z:
    z.write("a.wav", "../../evil.wav")
PY
j=$(wait_job "$(curl -s -H "$A" -F file=@ok.zip -F file=@evil.zip "$SRV/api/assets" | jq 'd["id"]')")
is "$(printf '%s' "$j" | jq '" ".join(x["input"] for x in d["result"]["assets"])')" "ok.zip:sub/b.wav ok.zip:c.wav" \
	"a zip's members are ingested by name"
like "$(printf '%s' "$j" | jq 'd["result"]["failures"][0]["input"] + ": " + d["result"]["failures"][0]["error"]')" \
	'^evil\.zip:\.\./\.\./evil\.wav: unsafe member' "a member named ../ is refused"

# refusals before any byte is staged
is "$(code POST /api/assets -H "Authorization: Bearer $viewer" -F file=@a.wav)" 403 "a viewer may not upload"
is "$(code POST /api/assets -H "$A" -H 'Content-Type: application/json' --data '{}')" 415 \
	"POST /api/assets of JSON: 415"
is "$(code POST /api/assets -H "$A" -F label=x)" 400 "a form without a file: 400"
is "$(code POST /api/assets -H "$A" -F file=@a.wav -F evil=1)" 400 "an unknown field: 400"
is "$(ls "$CAT/serve/staged" | wc -l)" 0 "and the refused forms leave nothing staged"

# ---- eight concurrent uploads
pids=""
for i in 1 2 3 4 5 6 7 8; do
	sox -n -r 8000 -c 1 "p$i.wav" synth 0.$i sine $((200 + 50 * i))
	curl -s -o "p$i.out" -w '%{http_code}' -H "$A" -F "file=@p$i.wav" -F label=par \
		"$SRV/api/assets" >"p$i.code" &
	pids="$pids $!"
done
wait $pids
codes=$(cat p1.code p2.code p3.code p4.code p5.code p6.code p7.code p8.code)
is "$codes" 202202202202202202202202 "eight concurrent uploads: 202 each"
for i in 1 2 3 4 5 6 7 8; do wait_job "$(jq 'd["id"]' <"p$i.out")" >/dev/null; done
is "$(grym-catalog --catalog "$CAT" ls --label par 2>/dev/null | wc -l)" 8 "all eight assets landed"

# ---- a big upload with the server's resident memory under 100 MB
$PY - big.wav "$big_frames" <<'PY'
import os, struct, sys
frames = int(sys.argv[2])            # 16-bit stereo at 48 kHz
n = frames * 4
with open(sys.argv[1], "wb") as f:
    f.write(b"RIFF" + struct.pack("<I", 36 + n) + b"WAVEfmt " +
            struct.pack("<IHHIIHH", 16, 1, 2, 48000, 48000 * 4, 4, 16) + b"data" + struct.pack("<I", n))
    block = os.urandom(1 << 20)
    for i in range(n >> 20):
        f.write(block[i % 7:] + block[:i % 7])
    f.write(block[:n % (1 << 20)])
PY
size=$(stat -c %s big.wav)
satisfies "$size" "v >= $big_frames * 4" "a WAV of $big_name"
r=$(curl -s -w '\n%{http_code}' -H "$A" -F file=@big.wav "$SRV/api/assets")
is "$(printf '%s' "$r" | tail -1)" 202 "the $big_name upload: 202"
j=$(wait_job "$(printf '%s' "$r" | head -1 | jq 'd["id"]')")
is "$(printf '%s' "$j" | jq 'd["state"] + " " + str(d["result"]["peaks"])')" "done 1" "ingested, its peaks built"
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$SPID/status")
if [ "${SANITIZE:-0}" = 1 ]; then
	skip_sanitize "resident memory counts AddressSanitizer's shadow and quarantine"
else
	satisfies "$hwm" 'v < 102400' "the server's VmHWM stayed under 100 MB (kB)"
fi

# ---- --max-upload: 413 before a byte is staged
is "$(code POST /api/uploads -H "$A" -H 'Content-Type: application/json' --data "{\"size\":$over,\"name\":\"x\"}")" \
	413 "POST /api/uploads past --max-upload: 413"
head -c 1000 /dev/zero >zero
is "$(code POST /api/assets -H "$A" -H 'Content-Type: multipart/form-data; boundary=x' \
	-H "Content-Length: $over" --data-binary @zero --max-time 3)" 413 \
	"a multipart body declared past --max-upload: 413 before it is read"

# ---- resumable: first half, HEAD, the rest, ingest
sox -n -r 44100 -c 2 r.wav synth 3 sine 330
size=$(stat -c %s r.wav) half=$((size / 2))
head -c $half r.wav >r1
tail -c +$((half + 1)) r.wav >r2
r=$(curl -s -w '\n%{http_code}' -H "$A" -H 'Content-Type: application/json' \
	--data "{\"size\":$size,\"name\":\"resumed.wav\"}" "$SRV/api/uploads")
is "$(printf '%s' "$r" | tail -1)" 201 "POST /api/uploads: 201"
up=$(printf '%s' "$r" | head -1 | jq 'd["id"]')
is "$(code PUT "/api/uploads/$up" -H "$A" -H "Content-Range: bytes 0-$((half - 1))/$size" --data-binary @r1)" \
	200 "PUT the first half: 200"
h=$(curl -s -I -H "$A" "$SRV/api/uploads/$up" | tr -d '\r')
like "$h" "Upload-Offset: $half" "HEAD gives the offset reached"
like "$h" "Upload-Length: $size" "and the length"
r=$(curl -s -w '\n%{http_code}' -X PUT -H "$A" -H "Content-Range: bytes 0-$((half - 1))/$size" \
	--data-binary @r1 "$SRV/api/uploads/$up")
is "$(printf '%s' "$r" | tail -1)" 409 "the first half again: 409"
is "$(printf '%s' "$r" | head -1 | jq 'd["error"]["expected_offset"]')" "$half" "naming the expected offset"
is "$(code POST "/api/uploads/$up/ingest" -H "$A" -H 'Content-Type: application/json' --data '{}')" 409 \
	"ingest of an incomplete upload: 409"
is "$(code PUT "/api/uploads/$up" -H "$A" -H "Content-Range: bytes $half-$((size - 1))/$size" --data-binary @r2)" \
	200 "PUT the rest: 200"
is "$(code GET "/api/uploads/$up" -H "Authorization: Bearer $editor")" 404 "another principal's upload: 404"
r=$(curl -s -H "$A" -H 'Content-Type: application/json' --data '{"labels":["resumed"],"meta":{"take":"2"}}' \
	"$SRV/api/uploads/$up/ingest")
j=$(wait_job "$(printf '%s' "$r" | jq 'd["id"]')")
a=$(printf '%s' "$j" | jq 'd["result"]["assets"][0]["asset"]')
is "$a" "$(sha256sum r.wav | cut -c1-64)" "the resumed upload is ingested byte for byte (its id is their hash)"
is "$(code GET "/api/uploads/$up" -H "$A")" 404 "and the upload is gone"
up=$(curl -s -H "$A" -H 'Content-Type: application/json' --data '{"size":10,"name":"x"}' "$SRV/api/uploads" | jq 'd["id"]')
is "$(code DELETE "/api/uploads/$up" -H "$A")" 204 "DELETE /api/uploads/ID: 204"
is "$(code DELETE "/api/uploads/$up" -H "$A")" 404 "then 404"
