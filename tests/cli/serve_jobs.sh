#!/bin/sh
# serve_jobs.sh — jobs through grym-serve over loopback: POST /api/jobs
# and its errors (400 naming the field, 503 with Retry-After when the
# queue is full), the list's paging and filters, cancel (409 once
# ended), an editor's own jobs only, the SSE events of one job from
# queued to done and a reconnect with Last-Event-ID replaying what was
# missed, "asset" events of an upload, SIGTERM marking a running job
# cancelled, kill -9 during a job and the restart showing it
# interrupted (fsck clean, rerun done), and grym-ingest and the server
# writing one catalog at once with nothing lost.
. "$GRYM_TOP/tests/lib/cli.sh"
. "$GRYM_TOP/tests/lib/serve.sh"
PY=/usr/bin/python3

plan 43

jq() { $PY -c "import sys,json; d=json.load(sys.stdin); print($1)"; }
# wait_state JOB STATE...: until the job is in one of the states (20 s)
wait_state() {
	_id=$1
	shift
	for _i in $(seq 1 200); do
		_s=$(curl -s -H "$A" "$SRV/api/jobs/$_id" | jq 'd["state"]' 2>/dev/null)
		for _w in "$@"; do [ "$_s" = "$_w" ] && { echo "$_s"; return 0; }; done
		sleep 0.1
	done
	echo "$_s"
}
submit() { # AUTH-HEADER BODY: prints the response body, then the status
	curl -s -w '\n%{http_code}' -H "$1" -H 'Content-Type: application/json' --data "$2" "$SRV/api/jobs"
}

sox -n -r 16000 -c 1 a.wav synth 1 sine 440
sox -n -r 44100 -c 1 long.wav synth 600 sine 300
grym-ingest --catalog "$CAT" -q -o /dev/null a.wav long.wav
a=$(sha256sum a.wav | cut -c1-64)
long=$(sha256sum long.wav | cut -c1-64)
slow="{\"stage\":\"features\",\"params\":{\"features\":[\"mfcc\",\"chroma\",\"contrast\",\"yin\"]},\"inputs\":[\"$long\"]}"

serve_start --rate-limit 0 --jobs 1 --queue-limit 2 || { echo "not ok - server"; exit 1; }
A="Authorization: Bearer $ADMIN"
viewer=$(grym-serve --catalog "$CAT" token create --role viewer 2>/dev/null)
editor=$(grym-serve --catalog "$CAT" token create --role editor 2>/dev/null)
V="Authorization: Bearer $viewer" E="Authorization: Bearer $editor"

# ---- errors of POST /api/jobs name the field
field() { printf '%s' "$1" | head -1 | jq 'd["error"]["field"]'; }
r=$(submit "$A" '{"stage":"nope","inputs":[]}')
is "$(printf '%s' "$r" | tail -1) $(field "$r")" "400 stage" "an unknown stage: 400, field stage"
r=$(submit "$A" '{"stage":"ingest","inputs":[{"path":"/etc/passwd","name":"x"}]}')
is "$(printf '%s' "$r" | tail -1) $(field "$r")" "400 stage" "ingest of server paths is no client's job: 400"
r=$(submit "$A" "{\"stage\":\"features\",\"params\":{\"n_fft\":1},\"inputs\":[\"$a\"]}")
is "$(printf '%s' "$r" | tail -1) $(field "$r")" "400 params.n_fft" "a bad parameter: 400, field params.n_fft"
r=$(submit "$A" '{"stage":"features","params":{"features":["mfcc"]},"inputs":["ffff"]}')
is "$(printf '%s' "$r" | tail -1) $(field "$r")" "400 inputs[0]" "an unknown input: 400, field inputs[0]"
is "$(submit "$V" "{\"stage\":\"features\",\"inputs\":[\"$a\"]}" | tail -1)" 403 "a viewer may not start a job"

# ---- one job's events, from queued to done, and a resume
curl -s -N -H "$V" "$SRV/api/events" >ev1 &
evpid=$!
sleep 0.3
r=$(submit "$E" "{\"stage\":\"features\",\"params\":{\"features\":[\"mfcc\"]},\"inputs\":[\"$a\"]}")
is "$(printf '%s' "$r" | tail -1)" 202 "POST /api/jobs: 202"
job=$(printf '%s' "$r" | head -1 | jq 'd["id"]')
like "$(printf '%s' "$r" | head -1 | jq 'd["stage"] + " " + d["state"]')" '^features (queued|running)$' "the job as it is now"
is "$(wait_state "$job" done failed)" done "it ends done"
curl -s -F file=@a.wav -H "$E" "$SRV/api/assets" >/dev/null     # known: no "created"
sox -n -r 8000 -c 1 up.wav synth 0.5 sine 500
up=$(curl -s -F file=@up.wav -H "$E" "$SRV/api/assets" | jq 'd["id"]')
wait_state "$up" done >/dev/null
sleep 0.3
kill "$evpid"
cat >states.py <<'PY'
import sys, json
ev, out = {}, []
for line in sys.stdin.read().split("\n"):
    if line.startswith("id: "): ev["id"] = line[4:]
    elif line.startswith("event: "): ev["event"] = line[7:]
    elif line.startswith("data: "): ev["data"] = json.loads(line[6:])
    elif line == "" and ev:
        if ev.get("event") == "job" and ev["data"]["id"] == sys.argv[1]:
            s = ev["data"]["state"]
            if not out or out[-1] != s: out.append(s)
        ev = {}
print(" ".join(out))
PY
states=$($PY states.py "$job" <ev1)
is "$states" "queued running done" "SSE: the job's events from queued to done"
first=$(grep -B2 "\"id\":\"$job\".*\"state\":\"queued\"" ev1 | sed -n 's/^id: //p' | head -1)
ok "the queued event has an id" test -n "$first"
curl -s -N --max-time 1 -H "$V" -H "Last-Event-ID: $first" "$SRV/api/events" >ev2
like "$(cat ev2)" "\"id\":\"$job\",[^\\n]*\"state\":\"done\"" "a reconnect with Last-Event-ID replays the job's end"
ok "and not the event before" sh -c "! grep -q '^id: $first\$' ev2"
upa=$(sha256sum up.wav | cut -c1-64)
like "$(cat ev1)" "event: asset
data: \\{\"asset\":\"$upa\",\"job\":\"$up\",\"created\":true\\}" "an upload's new asset is an \"asset\" event"

# ---- the list, its filters and paging
is "$(curl -s -H "$V" "$SRV/api/jobs?kind=features&state=done" | jq 'd["total"]')" 1 \
	"GET /api/jobs?kind=features&state=done: total 1"
p1=$(curl -s -H "$V" "$SRV/api/jobs?limit=1")
is "$(printf '%s' "$p1" | jq 'str(len(d["items"])) + " " + str(d["total"])')" "1 3" "limit=1: one item of 3"
c=$(printf '%s' "$p1" | jq 'd["next_cursor"]')
p2=$(curl -s -H "$V" "$SRV/api/jobs?limit=1&cursor=$c")
ok "the cursor gives the next page" test "$(printf '%s' "$p2" | jq 'd["items"][0]["id"]')" != "$(printf '%s' "$p1" | jq 'd["items"][0]["id"]')"
is "$(code GET '/api/jobs?limit=0' -H "$V")" 400 "limit=0: 400"
is "$(code GET '/api/jobs?state=nope' -H "$V")" 400 "an unknown state: 400"
is "$(code GET /api/jobs/nothere -H "$V")" 404 "GET /api/jobs/ID of none: 404"
# /metrics counts them: the jobs by state, this server's queue, the store
m=$(curl -s -H "$A" "$SRV/metrics")
done_jobs=$(curl -s -H "$V" "$SRV/api/jobs?state=done" | jq 'd["total"]')
like "$m" "^grym_jobs\\{state=\"done\"\\} $done_jobs\$" "metrics: jobs by state, as the list counts them ($done_jobs done)"
like "$m" '^grym_job_queue_depth 0$' "metrics: the queue's depth"
like "$m" '^grym_store_bytes [1-9][0-9]*$' "metrics: the bytes stored"
is "$(code GET "/api/jobs/$job" -H "$V")" 200 "GET /api/jobs/ID: 200"
is "$(code DELETE "/api/jobs/$job" -H "$E")" 409 "cancelling an ended job: 409"

# ---- the queue (1 worker, 2 waiting), cancel, an editor's own jobs
r1=$(submit "$A" "$slow" | head -1 | jq 'd["id"]')
wait_state "$r1" running >/dev/null
q1=$(submit "$E" "$slow" | head -1 | jq 'd["id"]')
q2=$(submit "$E" "$slow" | head -1 | jq 'd["id"]')
h=$(curl -s -D - -o /dev/null -H "$E" -H 'Content-Type: application/json' --data "$slow" "$SRV/api/jobs" | tr -d '\r')
like "$h" '^HTTP/1.1 503' "a full queue: 503"
like "$h" 'Retry-After: [0-9]' "with Retry-After"
is "$(code DELETE "/api/jobs/$r1" -H "$E")" 403 "an editor may not cancel another's job"
is "$(curl -s -X DELETE -H "$E" "$SRV/api/jobs/$q1" | jq 'd["state"]')" cancelled "an editor cancels its queued job"
is "$(code DELETE "/api/jobs/$q2" -H "$A")" 200 "an admin cancels anyone's"
is "$(curl -s -X DELETE -H "$A" "$SRV/api/jobs/$r1" >/dev/null; wait_state "$r1" cancelled)" cancelled \
	"a running job cancelled"
r=$(curl -s -w '\n%{http_code}' -X POST -H "$E" "$SRV/api/jobs/$q1/rerun")
is "$(printf '%s' "$r" | tail -1)" 202 "POST /api/jobs/ID/rerun of a cancelled job: 202"
rr=$(printf '%s' "$r" | head -1 | jq 'd["id"]')
is "$(code POST "/api/jobs/$rr/rerun" -H "$E")" 409 "a rerun of a job still running: 409"
curl -s -o /dev/null -X DELETE -H "$A" "$SRV/api/jobs/$rr"
wait_state "$rr" cancelled >/dev/null

# ---- SIGTERM: the running job is cancelled and marked so
t=$(submit "$A" "$slow" | head -1 | jq 'd["id"]')
wait_state "$t" running >/dev/null
kill -TERM "$SPID"
wait "$SPID"
is "$?" 143 "SIGTERM stops the server (status 128+15)"
serve_start --rate-limit 0 --jobs 1 || { echo "not ok - restart"; exit 1; }
is "$(curl -s -H "$A" "$SRV/api/jobs/$t" | jq 'd["state"] + ": " + d["error"]')" \
	"cancelled: cancelled: the server stopped" "the job it ran is cancelled, the server stopped"

# ---- kill -9 during a job: interrupted after the restart, rerun works
k=$(submit "$A" "$slow" | head -1 | jq 'd["id"]')
is "$(wait_state "$k" running)" running "a long job runs"
kill -9 "$SPID"
wait "$SPID" 2>/dev/null
serve_start --rate-limit 0 --jobs 2 || { echo "not ok - restart"; exit 1; }
is "$(curl -s -H "$A" "$SRV/api/jobs/$k" | jq 'd["state"]')" interrupted "after kill -9 and a restart: interrupted"
ok "grym-catalog fsck is clean" grym-catalog --catalog "$CAT" fsck
r=$(curl -s -w '\n%{http_code}' -X POST -H "$A" "$SRV/api/jobs/$k/rerun")
is "$(printf '%s' "$r" | tail -1)" 202 "the interrupted job is rerun"
is "$(wait_state "$(printf '%s' "$r" | head -1 | jq 'd["id"]')" done failed)" done "and the rerun is done"

# ---- grym-ingest and the server writing one catalog at once
mkdir cli web
for i in $(seq 1 12); do sox -n -r 8000 -c 1 "cli/c$i.wav" synth 0.3 sine $((300 + 7 * i)); done
for i in $(seq 1 6); do sox -n -r 8000 -c 1 "web/w$i.wav" synth 0.3 sine $((900 + 7 * i)); done
grym-ingest --catalog "$CAT" -q -o /dev/null -j 2 --label fromcli cli/*.wav &
clipid=$!
w=$(curl -s -H "$A" -F file=@web/w1.wav -F file=@web/w2.wav -F file=@web/w3.wav -F file=@web/w4.wav \
	-F file=@web/w5.wav -F file=@web/w6.wav -F label=fromweb "$SRV/api/assets" | jq 'd["id"]')
wait "$clipid"
is "$?" 0 "grym-ingest ran while the server ingested"
is "$(wait_state "$w" done failed)" done "and the server's job is done"
is "$(grym-catalog --catalog "$CAT" ls --label fromcli | wc -l) $(grym-catalog --catalog "$CAT" ls --label fromweb | wc -l)" \
	"12 6" "both sets of assets are in the catalog"
ok "grym-catalog fsck is clean after both" grym-catalog --catalog "$CAT" fsck
