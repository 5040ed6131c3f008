#!/bin/sh
# serve.sh — grym-serve over loopback: security headers on every kind of
# answer, 404/405 and the error body, static files and every traversal
# attempt, content types, /api/schema against the programs' --schema,
# /metrics, Server-Sent Events (content type, events, Last-Event-ID,
# keepalive), the token and audit commands, refused addresses, TLS, and a
# clean stop with a stream open.
. "$GRYM_TOP/tests/lib/cli.sh"
. "$GRYM_TOP/tests/lib/serve.sh"
PY=/usr/bin/python3

plan 80

# a static folder with a few kinds of file, a hidden one, and links
mkdir -p www/sub outside
echo '<!doctype html><title>t</title>' >www/index.html
echo 'console.log(1)' >www/app.js
echo 'body{}' >www/sub/style.css
printf '<script>alert(1)</script>' >www/notes.xyz
echo secret >www/.hidden
echo outside >outside/secret.txt
ln -s ../outside/secret.txt www/link-out.txt
ln -s app.js www/link-in.js
fails 2 "a non-loopback address without TLS is refused" grym-serve --catalog "$CAT" --listen 0.0.0.0:0
like "$(cat .err)" 'not a loopback address.*--tls-cert.*--insecure' "and says what to do"
fails 2 "--tls-cert without --tls-key is a usage error" grym-serve --catalog "$CAT" --tls-cert x
fails 2 "token create without --role" grym-serve --catalog "$CAT" token create

serve_start --static www || { echo "not ok - server"; exit 1; }
A="Authorization: Bearer $ADMIN"
like "$ADMIN" '^grym_[A-Za-z0-9_-]{32}$' "the first start shows an admin token"
like "$LINK" "^http://127\.0\.0\.1:$PORT/login\?token=grym_login_[A-Za-z0-9_-]{32}$" "and a one-time login link"

# security headers, on a success, an error, a static file, a refusal
for u in /healthz /nope /api/nope /app.js /metrics; do
	h=$(curl -s -D - -o /dev/null "$SRV$u" | tr -d '\r')
	ok_h=1
	printf '%s\n' "$h" | grep -q "^Content-Security-Policy: default-src 'self'; script-src 'self'; .*frame-ancestors 'none'" || ok_h=0
	printf '%s\n' "$h" | grep -q '^X-Content-Type-Options: nosniff$' || ok_h=0
	printf '%s\n' "$h" | grep -q '^Referrer-Policy: no-referrer$' || ok_h=0
	printf '%s\n' "$h" | grep -qi '^Access-Control-Allow-Origin' && ok_h=0
	is "$ok_h" 1 "$u: CSP, nosniff, no-referrer, no Access-Control-Allow-Origin"
done
csp=$(curl -s -D - -o /dev/null "$SRV/" | tr -d '\r' | sed -n 's/^Content-Security-Policy: //p')
is "$(printf '%s' "$csp" | grep -c "unsafe-inline\|unsafe-eval")" 0 "no unsafe-inline or unsafe-eval"

# errors: the one shape
is "$(curl -s "$SRV/api/nope")" '{"error":{"code":"not_found","message":"no such route","field":null}}' "404 body"
is "$(code PUT /healthz)" 405 "PUT /healthz: 405"
like "$(curl -s -D - -o /dev/null -X POST "$SRV/api/session" | tr -d '\r')" '^Allow: GET$' "with Allow: GET"
is "$(curl -s -X DELETE "$SRV/api/tokens")" \
	'{"error":{"code":"method_not_allowed","message":"this method is not allowed here","field":null}}' "405 body"
is "$(curl -s -H "$A" -H 'Content-Type: application/json' --data '{"role":"god"}' "$SRV/api/tokens")" \
	'{"error":{"code":"bad_request","message":"role must be admin, editor or viewer","field":"role"}}' "400 names the field"
is "$(curl -s -H "$A" --data 'not json' "$SRV/api/tokens" | $PY -c 'import sys,json; print(json.load(sys.stdin)["error"]["code"])')" \
	bad_request "a body that is not JSON: bad_request"
head -c 70000 /dev/zero | tr '\0' a >big
is "$(code POST /api/tokens -H "$A" --data-binary @big)" 413 "a body over 64 KiB: 413"
is "$(code GET /api/audit?since=x -H "$A")" 400 "?since=x: 400"

# static files
is "$(curl -s "$SRV/")" '<!doctype html><title>t</title>' "/ is index.html"
ct() { curl -s -o /dev/null -w '%{content_type}' "$SRV$1"; }
is "$(ct /)" "text/html; charset=utf-8" "index.html: text/html"
is "$(ct /app.js)" "text/javascript; charset=utf-8" "app.js: text/javascript"
is "$(ct /sub/style.css)" "text/css; charset=utf-8" "style.css: text/css"
is "$(ct /notes.xyz)" "application/octet-stream" "an unknown extension is never HTML: octet-stream"
is "$(ct /link-in.js)" "text/javascript; charset=utf-8" "a link inside the folder is served"
is "$(curl -s -o /dev/null -w '%{http_code}' -I "$SRV/app.js")" 200 "HEAD: 200"
is "$(curl -s -I "$SRV/app.js" | tr -d '\r' | sed -n 's/^Content-Length: //p')" 15 "HEAD: the length, no body"
for p in /../outside/secret.txt /sub/../../outside/secret.txt /%2e%2e/outside/secret.txt \
	/%252e%252e/outside/secret.txt /sub/%2e%2e/%2e%2e/outside/secret.txt /.hidden \
	/link-out.txt /sub//style.css '/..%5coutside%5csecret.txt' /nothere; do
	is "$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$SRV$p")" 404 "static $p: 404"
done
is "$(curl -s --path-as-is "$SRV/../outside/secret.txt" | grep -c outside)" 0 "nothing outside is ever sent"

# /api/schema: every stage, as the programs print it
sch=$(curl -s -H "$A" "$SRV/api/schema")
is "$(printf '%s' "$sch" | $PY -c 'import sys,json; print(" ".join(sorted(json.load(sys.stdin)["stages"])))')" \
	"features infer ingest normalize synth train" "/api/schema: the six stages"
for st in features normalize; do
	grym-$st --schema >"$st.cli.json"
	is "$(printf '%s' "$sch" | $PY -c '
import sys, json
api = json.load(sys.stdin)["stages"][sys.argv[1]]
cli = json.load(open(sys.argv[2]))
extra = set(api["properties"]) - set(cli["properties"])
same = all(api["properties"][k] == cli["properties"][k] for k in api["properties"])
print("ok" if not extra and same and api["title"] == cli["title"] else "differs")' "$st" "$st.cli.json")" ok \
		"/api/schema $st: the properties grym-$st --schema has"
done

# /api/openapi.json: OpenAPI 3.1 with the stages' schemas
oa=$(curl -s -H "$A" "$SRV/api/openapi.json")
is "$(printf '%s' "$oa" | $PY -c '
import sys, json
d = json.load(sys.stdin)
s = json.loads(sys.argv[1])["stages"]
ok = d["openapi"] == "3.1.0" and all(
    {k: v for k, v in s[n].items() if k != "$schema"} == d["components"]["schemas"]["stage_" + n]
    for n in s)
op = d["paths"]["/api/tokens/{id}"]["delete"]
ok = ok and sorted(op["responses"]) == ["204", "401", "403", "404", "429"]
ok = ok and d["paths"]["/healthz"]["get"]["security"] == []
print("ok" if ok else "differs")' "$sch")" ok "/api/openapi.json: 3.1, the stage schemas, each route's statuses and security"

# events: a token made through the API is an event; a reconnection resumes
curl -sN --max-time 2 -H "$A" -D sse.h -o sse1.txt "$SRV/api/events" &
c1=$!
sleep 0.5
made=$(curl -s -H "$A" -H 'Content-Type: application/json' --data '{"role":"viewer","name":"ev1"}' "$SRV/api/tokens")
id1=$(printf '%s' "$made" | $PY -c 'import sys,json; print(json.load(sys.stdin)["id"])')
curl -s -o /dev/null -H "$A" -H 'Content-Type: application/json' --data '{"role":"viewer","name":"ev2"}' "$SRV/api/tokens"
curl -s -o /dev/null -H "$A" -X DELETE "$SRV/api/tokens/$id1"
wait $c1
like "$(tr -d '\r' <sse.h)" '^Content-Type: text/event-stream' "/api/events: text/event-stream"
ev=$(grep -E '^(id|event):' sse1.txt | tr '\n' ' ')
is "$ev" "id: 1 event: token.created id: 2 event: token.created id: 3 event: token.revoked " \
	"three events, in order, with ids"
like "$(grep '^data:' sse1.txt | head -1)" "^data: \{\"id\":\"$id1\",\"kind\":\"token\",\"role\":\"viewer\",\"name\":\"ev1\"" \
	"the event's data: the row, one line of JSON"
is "$(grep -c '"token":' sse1.txt)" 0 "an event never carries the secret"
curl -sN --max-time 1 -H "$A" -H 'Last-Event-ID: 1' -o sse2.txt "$SRV/api/events"
is "$(grep -E '^id:' sse2.txt | tr '\n' ' ')" "id: 2 id: 3 " "Last-Event-ID: 1 resumes at 2"
curl -sN --max-time 1 -H "$A" -H 'Last-Event-ID: 77' -o sse3.txt "$SRV/api/events"
like "$(tr '\n' ' ' <sse3.txt)" 'event: resync data: \{"from":1\}' "an id from another run: resync"
is "$(code GET /api/events -H "$A" -H 'Last-Event-ID: x')" 400 "Last-Event-ID x: 400"

# a stream open from here to the end: after 15 s of nothing, a keepalive
curl -sN --max-time 16.5 -H "$A" -o sse_long.txt "$SRV/api/events" &
long=$!
# and a slowloris client: half a request, then silence; it is cut off
$PY - "$PORT" >slow.txt <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: ")
t = time.time()
s.settimeout(30)
try:
    d = s.recv(100)
except Exception:
    d = b"timeout"
print("%s %.0f" % ("closed" if d == b"" else "open", time.time() - t))
PY
slow=$!

# metrics
curl -s -o /dev/null "$SRV/healthz"
m=$(curl -s -H "$A" "$SRV/metrics")
like "$m" '^grym_http_requests_total\{route="GET /healthz",status="200"\} [0-9]+$' "metrics: requests by route and status"
like "$m" '^grym_http_requests_total\{route="static",status="404"\} [0-9]+$' "metrics: static 404s"
like "$m" '^grym_http_request_duration_seconds_bucket\{route="GET /healthz",le="\+Inf"\} [0-9]+$' "metrics: a latency histogram"
is "$(curl -s -o /dev/null -w '%{content_type}' -H "$A" "$SRV/metrics")" "text/plain; version=0.0.4; charset=utf-8" "metrics: Prometheus' content type"

# the token and audit commands
list=$(grym-serve --catalog "$CAT" token list)
like "$list" "^$id1	token	viewer	ev1	[0-9T:-]+Z	-	[0-9T:-]+Z	-$" "token list: the revoked token, with its time"
like "$list" '^t[0-9a-f]{16}	token	admin	first admin	' "token list: the first admin token"
fails 1 "token revoke of an unknown id fails" grym-serve --catalog "$CAT" token revoke tnope
au=$(grym-serve --catalog "$CAT" audit)
like "$au" '^[0-9T:-]+Z	local:uid [0-9]+	grym-serve	token\.create	-	ok	t[0-9a-f]{16}$' \
	"audit: the first admin token, made by the local user"
like "$au" '	local:uid [0-9]+	grym-serve	token\.revoke	-	not_found	tnope$' "audit: the failed revoke"
like "$(grym-serve --catalog "$CAT" audit --since 1h)" '	token\.create	POST /api/tokens	ok	t' "audit --since 1h: the API's token"
is "$(grym-serve --catalog "$CAT" audit --since 4102444800)" "" "audit --since the future: nothing"
fails 2 "audit --since junk" grym-serve --catalog "$CAT" audit --since junk

# the list conventions on the audit log and the tokens: pages of ?limit
# walked by next_cursor visit every row once, total counts them all
walk() { # PATH: "rows seen, distinct, total, pages" over pages of 2
	$PY - "$SRV" "$A" "$1" <<'PYEOF'
import json, sys, urllib.request
srv, auth, path = sys.argv[1], sys.argv[2].split(": ", 1), sys.argv[3]
seen, cursor, pages, total = [], None, 0, -1
while True:
    url = srv + path + "?limit=2" + ("&cursor=" + cursor if cursor else "")
    req = urllib.request.Request(url, headers={auth[0]: auth[1]})
    d = json.load(urllib.request.urlopen(req))
    pages += 1
    total = d["total"]
    seen += [json.dumps(i, sort_keys=True) for i in d["items"]]
    cursor = d["next_cursor"]
    if not cursor or pages > 100:
        break
print(len(seen), len(set(seen)), total, pages)
PYEOF
}
w=$(walk /api/audit)
set -- $w
check "audit pages of 2: every row once, as many as total ($w)" test "$1" = "$3" -a "$2" = "$3" -a "$4" -ge 2
w=$(walk /api/tokens)
set -- $w
check "token pages of 2: every token once, as many as total ($w)" test "$1" = "$3" -a "$2" = "$3" -a "$3" -ge 3
is "$(curl -s -H "$A" "$SRV/api/audit?limit=0" | $PY -c 'import sys,json; print(json.load(sys.stdin)["error"]["field"])')" \
	limit "?limit=0: 400 naming limit"
is "$(curl -s -H "$A" "$SRV/api/tokens?cursor=zz" | $PY -c 'import sys,json; print(json.load(sys.stdin)["error"]["field"])')" \
	cursor "a cursor it did not give: 400 naming cursor"

# a request whose headers overflow a connection's memory: 431
big=$(head -c 70000 /dev/zero | tr '\0' a)
is "$(code GET /healthz -H "X-Big: $big")" 431 "70 KB of headers: 431 (the per-connection memory limit)"

# 50 open streams cost no CPU while nothing happens (they are suspended)
ticks() { awk '{ print $14 + $15 }' "/proc/$SPID/stat"; }
streams=""
for i in $(seq 1 50); do
	curl -sN --max-time 10 -H "$A" -o /dev/null "$SRV/api/events" &
	streams="$streams $!"
done
sleep 1
t1=$(ticks)
sleep 3
t2=$(ticks)
hz=$(getconf CLK_TCK)
satisfies "$(( (t2 - t1) * 10000 / (3 * hz) ))" 'v < 200' "50 idle streams: under 2% of a CPU (hundredths of a percent)"
is "$(code GET /healthz)" 200 "and the server still answers"
kill $streams 2>/dev/null
wait $streams 2>/dev/null

# the keepalive comment, after 15 s of nothing
wait $long
like "$(cat sse_long.txt)" '^: keepalive$' "an idle stream gets ': keepalive'"
wait $slow
like "$(cat slow.txt)" '^closed 1[4-7]$' "a half-sent request is cut off after 15 s idle"

# a clean stop, with a stream open (suspended)
curl -sN --max-time 20 -H "$A" -o /dev/null "$SRV/api/events" &
c2=$!
sleep 0.3
kill -TERM "$SPID"
t0=$(date +%s)
wait "$SPID"
st=$?
wait $c2
is "$st" 143 "SIGTERM: it stops, dying of the signal"
satisfies "$(( $(date +%s) - t0 ))" 'v <= 3' "within 3 s, the open stream ended"
like "$(cat "$SERR")" 'stopping' "and says so"

# --allow-host adds a Host
serve_start --allow-host grym.example || exit 1
is "$(code GET /healthz -H "Host: grym.example:$PORT")" 200 "--allow-host grym.example: Host grym.example:PORT passes"
is "$(code GET /healthz -H "Host: grym.example")" 403 "but not without the port"
is "$(code GET /healthz -H "Host: other.example:$PORT")" 403 "another name: 403"

# TLS: HTTPS, the cookie Secure
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 -subj /CN=localhost \
	>/dev/null 2>&1
serve_start --tls-cert cert.pem --tls-key key.pem
is "$(curl -sk -o /dev/null -w '%{http_code}' "$SRV/healthz")" 200 "HTTPS: /healthz 200"
like "$(curl -sk -D - -o /dev/null "$LINK" | tr -d '\r' | grep '^Set-Cookie')" 'HttpOnly; SameSite=Strict; Secure$' \
	"under TLS the cookie is Secure"
# no sanitizer report from any server of this test (SANITIZE=1 builds)
is "$(cat "$PWD"/serve.*.err | grep -c 'Sanitizer\|runtime error')" 0 "the servers' stderr has no sanitizer report"
done_testing
