#!/bin/sh
# serve_auth.sh — grym-serve's authentication and authorisation over
# loopback: every route x every role and every bad credential (none,
# malformed, wrong signature, alg none, expired, revoked, a cookie without
# its CSRF header, a wrong Host, a wrong Origin) with the exact status; the
# login link's round trip; JWTs; revocation; rate limits.
. "$GRYM_TOP/tests/lib/cli.sh"
. "$GRYM_TOP/tests/lib/serve.sh"
PY=/usr/bin/python3

serve_start --rate-limit 0 --login-failures 100000 || { echo "not ok - server"; exit 1; }

# credentials of every kind
viewer=$(grym-serve --catalog "$CAT" token create --role viewer --name v 2>/dev/null)
editor=$(grym-serve --catalog "$CAT" token create --role editor 2>/dev/null)
gone=$(grym-serve --catalog "$CAT" token create --role admin 2>"$PWD/gone.err")
gone_id=$(grep -o 'token t[0-9a-f]*' "$PWD/gone.err" | cut -d' ' -f2)
grym-serve --catalog "$CAT" -q token revoke "$gone_id"
jwt=$(grym-serve --catalog "$CAT" token create --role admin --jwt --expires 1h 2>/dev/null)
badsig=$(printf '%s' "$jwt" | sed 's/.$//; s/$/A/')
[ "$badsig" = "$jwt" ] && badsig=$(printf '%s' "$jwt" | sed 's/.$/B/')
jti=$($PY -c 'import sys,json,base64; p=sys.argv[1].split(".")[1]; print(json.loads(base64.urlsafe_b64decode(p+"=="))["jti"])' "$jwt")
# signed with the server's own key, but expired 60 s ago, and alg none
mkjwt() { # ALG EXP_OFFSET
	$PY - "$CAT/serve/jwt.key" "$jti" "$1" "$2" <<'PY'
import sys, json, base64, hmac, hashlib, time
key = open(sys.argv[1], 'rb').read()
b = lambda d: base64.urlsafe_b64encode(d).rstrip(b'=').decode()
now = int(time.time())
h = b(json.dumps({"alg": sys.argv[3], "typ": "JWT"}).encode())
c = b(json.dumps({"jti": sys.argv[2], "role": "admin", "iat": now - 3600, "nbf": now - 3600,
                  "exp": now + int(sys.argv[4])}).encode())
sig = b(hmac.new(key, (h + "." + c).encode(), hashlib.sha256).digest()) if sys.argv[3] == "HS256" else ""
print(h + "." + c + "." + sig)
PY
}
expired=$(mkjwt HS256 -60)
fresh=$(mkjwt HS256 3600)
algnone=$(mkjwt none 3600)
# a browser session of the admin, by the login link
curl -s -o /dev/null -c "$PWD/jar" "$LINK"
cookie=$(awk -v n="grym_session_$PORT" '$6 == n { print $7 }' "$PWD/jar")
csrf=$(curl -s -H "Cookie: grym_session_$PORT=$cookie" "$SRV/api/session" |
	$PY -c 'import sys,json; print(json.load(sys.stdin)["csrf_token"])')

plan 518
like "$viewer$editor$jwt$gone_id$cookie$csrf" '^grym_.*eyJ.*' "credentials made"
is "$(code GET /api/session -H "Authorization: Bearer $fresh")" 200 \
	"a JWT signed by hand with the server's key passes (the forgeries below differ only where they say)"

# route: METHOD PATH ROLE(0 public,1 viewer,2 editor,3 admin) STATUS-WHEN-ALLOWED BODY
routes='GET /healthz 0 200 -
GET /metrics 3 200 -
GET /login 0 401 -
POST /api/login 0 401 {"token":"nope"}
GET /api/session 1 200 -
GET /api/schema 1 200 -
GET /api/openapi.json 1 200 -
GET /api/events 1 200 -
GET /api/tokens 3 200 -
POST /api/tokens 3 201 {"role":"viewer"}
DELETE /api/tokens/tnothere 3 404 -
GET /api/audit 3 200 -
GET /api/jobs 1 200 -
POST /api/jobs 2 400 {"stage":"nope"}
GET /api/jobs/jnothere 1 404 -
DELETE /api/jobs/jnothere 2 404 -
POST /api/jobs/jnothere/rerun 2 404 -
POST /api/assets 2 415 {"file":"x"}
POST /api/uploads 2 400 {"size":0}
GET /api/uploads/unothere 2 404 -
PUT /api/uploads/unothere 2 404 -
POST /api/uploads/unothere/ingest 2 404 {}
DELETE /api/uploads/unothere 2 404 -
GET /api/assets 1 200 -
GET /api/assets/feedfeed 1 404 -
PATCH /api/assets/feedfeed 2 404 {"labels":[]}
DELETE /api/assets/feedfeed 2 404 -
GET /api/assets/feedfeed/audio 1 404 -
GET /api/assets/feedfeed/peaks 1 404 -
GET /api/assets/feedfeed/spectrogram 1 404 -
GET /api/assets/feedfeed/features 1 404 -
GET /api/assets/feedfeed/loudness 1 404 -
GET /api/embedding 1 200 -
GET /api/models 1 200 -
GET /api/models/nomodel 1 404 -
POST /api/models/nomodel/infer 2 404 {"asset":"feedfeed"}
POST /api/logout 1 204 -'

# case: NAME RANK (what the credential is worth: -1 bad, 0 none, 1..3 a
# role) plus the curl arguments it sends
req() { # METHOD PATH BODY ARGS...
	_m=$1 _p=$2 _b=$3
	shift 3
	if [ "$_b" = - ]; then
		curl -s -o /dev/null -w '%{http_code}' --max-time 0.5 -X "$_m" "$@" "$SRV$_p"
	else
		curl -s -o /dev/null -w '%{http_code}' --max-time 2 -X "$_m" \
			-H 'Content-Type: application/json' --data "$_b" "$@" "$SRV$_p"
	fi
}
want() { # NEED ALLOWED RANK
	if [ "$1" = 0 ]; then echo "$2"
	elif [ "$3" -lt 0 ] || [ "$3" = 0 ]; then echo 401
	elif [ "$3" -lt "$1" ]; then echo 403
	else echo "$2"; fi
}
printf '%s\n' "$routes" >"$PWD/routes"
# the matrix covers every route of the server: the OpenAPI document is
# made from the route table
mine=$(awk '{ split("public viewer editor admin", r, " "); print $1, $2, r[$3 + 1] }' "$PWD/routes" |
	sed 's|/api/tokens/tnothere|/api/tokens/{id}|; s|/jnothere|/{id}|; s|/unothere|/{id}|; s|/feedfeed|/{id}|; s|/nomodel|/{id}|' | sort)
theirs=$(curl -s -H "Authorization: Bearer $ADMIN" "$SRV/api/openapi.json" | $PY -c '
import sys, json
d = json.load(sys.stdin)
for p, item in d["paths"].items():
    for m, op in item.items():
        print(m.upper(), p, op["x-grym-role"])' | sort)
same "$mine" "$theirs" "the matrix has every route of the route table, with its role"
while read -r m p need allowed body; do
	for c in none malformed badsig algnone expired revoked viewer editor admin jwt; do
		case $c in
		none) rank=0; set -- ;;
		malformed) rank=-1; set -- -H 'Authorization: Bearer not!a~token' ;;
		badsig) rank=-1; set -- -H "Authorization: Bearer $badsig" ;;
		algnone) rank=-1; set -- -H "Authorization: Bearer $algnone" ;;
		expired) rank=-1; set -- -H "Authorization: Bearer $expired" ;;
		revoked) rank=-1; set -- -H "Authorization: Bearer $gone" ;;
		viewer) rank=1; set -- -H "Authorization: Bearer $viewer" ;;
		editor) rank=2; set -- -H "Authorization: Bearer $editor" ;;
		admin) rank=3; set -- -H "Authorization: Bearer $ADMIN" ;;
		jwt) rank=3; set -- -H "Authorization: Bearer $jwt" ;;
		esac
		w=$(want "$need" "$allowed" "$rank")
		[ "$p" = /api/logout ] && [ "$rank" -gt 0 ] && w=204
		got=$(req "$m" "$p" "$body" "$@")
		is "$got" "$w" "$m $p, $c: $w"
	done
	# a session cookie without the CSRF header: reads pass, changes do not
	w=$allowed
	[ "$need" != 0 ] && [ "$m" != GET ] && w=403
	is "$(req "$m" "$p" "$body" -H "Cookie: grym_session_$PORT=$cookie")" "$w" \
		"$m $p, cookie without X-CSRF-Token: $w"
	is "$(req "$m" "$p" "$body" -H "Authorization: Bearer $ADMIN" -H 'Host: evil.example:'"$PORT")" 403 \
		"$m $p, wrong Host: 403"
	is "$(req "$m" "$p" "$body" -H "Authorization: Bearer $ADMIN" -H 'Origin: http://evil.example')" 403 \
		"$m $p, wrong Origin: 403"
done <"$PWD/routes"

# the right Origin, localhost and an allowed form of Host pass
is "$(code GET /api/session -H "Authorization: Bearer $ADMIN" -H "Origin: $SRV")" 200 "own Origin: 200"
is "$(code GET /api/session -H "Authorization: Bearer $ADMIN" -H "Host: localhost:$PORT")" 200 "Host localhost:PORT: 200"
is "$(code GET /api/session -H "Authorization: Bearer $ADMIN" -H "Host: localhost:1")" 403 "Host with another port: 403"
is "$(code GET /api/session -H "Authorization: Bearer $ADMIN" -H "Origin: null")" 403 "Origin null: 403"

# the cookie with its CSRF header changes things; a wrong header does not
is "$(code POST /api/tokens -H "Cookie: grym_session_$PORT=$cookie" -H "X-CSRF-Token: x$csrf" \
	-H 'Content-Type: application/json' --data '{"role":"viewer"}')" 403 "cookie with a wrong CSRF token: 403"
is "$(code POST /api/tokens -H "Cookie: grym_session_$PORT=$cookie" -H "X-CSRF-Token: $csrf" \
	-H 'Content-Type: application/json' --data '{"role":"viewer"}')" 201 "cookie with its CSRF token: 201"

# the login link: one use, a cookie, a redirect without the token
hdr=$(curl -s -D - -o /dev/null "$LINK")
like "$hdr" '^HTTP/1.1 401' "the login link works once only"
serve_start --rate-limit 0 || exit 1
hdr=$(curl -s -D - -o /dev/null "$LINK")
like "$hdr" '^HTTP/1.1 303' "a new server's link: 303"
is "$(printf '%s\n' "$hdr" | tr -d '\r' | sed -n 's/^Location: //p')" "/" "to / (the token leaves the address bar)"
setc=$(printf '%s\n' "$hdr" | tr -d '\r' | grep '^Set-Cookie: ')
like "$setc" "^Set-Cookie: grym_session_$PORT=[A-Za-z0-9_-]{32}; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict$" \
	"the session cookie: named by the port, HttpOnly, SameSite=Strict"
c2=$(printf '%s\n' "$setc" | sed 's/^Set-Cookie: [^=]*=\([^;]*\);.*/\1/')
sess=$(curl -s -H "Cookie: grym_session_$PORT=$c2" "$SRV/api/session")
like "$sess" '"kind":"session","role":"admin","csrf_token":"[A-Za-z0-9_-]{32}"' "the session is the admin's, with a CSRF token"
csrf2=$(printf '%s' "$sess" | $PY -c 'import sys,json; print(json.load(sys.stdin)["csrf_token"])')
# logging in with a token by POST; revoking the token ends the session
t3=$(grym-serve --catalog "$CAT" token create --role viewer 2>"$PWD/t3.err")
t3_id=$(grep -o 'token t[0-9a-f]*' "$PWD/t3.err" | cut -d' ' -f2)
hdr=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' --data "{\"token\":\"$t3\"}" "$SRV/api/login")
like "$hdr" 'HTTP/1.1 303' "POST /api/login with a token: 303"
c3=$(printf '%s\n' "$hdr" | tr -d '\r' | sed -n "s/^Set-Cookie: grym_session_$PORT=\([^;]*\);.*/\1/p")
is "$(code GET /api/session -H "Cookie: grym_session_$PORT=$c3")" 200 "its session works"
grym-serve --catalog "$CAT" -q token revoke "$t3_id"
is "$(code GET /api/session -H "Cookie: grym_session_$PORT=$c3")" 401 "revoking the token ends the session made from it"
# the default static folder: the source tree's placeholder page, no inline script
page=$(curl -s "$SRV/")
like "$page" '<h1>grym</h1>' "without --static: web-static/index.html"
is "$(printf '%s' "$page" | grep -ci '<script\|javascript:\| on[a-z]*=')" 0 "the placeholder page has no script"
is "$(code POST /api/logout -H "Cookie: grym_session_$PORT=$c2" -H "X-CSRF-Token: $csrf2")" 204 "logout: 204"
is "$(code GET /api/session -H "Cookie: grym_session_$PORT=$c2")" 401 "the session is over: 401"

# revoking through the API ends the JWT
is "$(code GET /api/session -H "Authorization: Bearer $jwt")" 200 "the JWT works"
is "$(code DELETE "/api/tokens/$jti" -H "Authorization: Bearer $ADMIN")" 204 "DELETE /api/tokens/JTI: 204"
is "$(code GET /api/session -H "Authorization: Bearer $jwt")" 401 "a revoked JWT: 401"
is "$(code POST /api/tokens -H "Authorization: Bearer $editor" -H 'Content-Type: application/json' \
	--data '{"role":"admin"}')" 403 "an editor cannot make tokens"
audit=$(grym-serve --catalog "$CAT" audit)
like "$audit" '	login	GET /login	ok	' "audit: the login"
like "$audit" '	login	.*	failed	' "audit: failed logins"
like "$audit" 'token:t[0-9a-f]+	127\.0\.0\.1	deny	GET /metrics	forbidden	' "audit: a role denied"
like "$audit" '	token\.revoke	DELETE /api/tokens/\{id\}	ok	j' "audit: a revocation"

# rate limits: a bucket of 3 at 1/s; 2 failed logins a minute
serve_start --rate-limit 1 --burst 3 --login-failures 2 || exit 1
s=""
for i in 1 2 3 4; do s="$s $(code GET /api/session -H "Authorization: Bearer $viewer")"; done
is "$s" " 200 200 200 429" "the 4th request at once: 429"
ra=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $viewer" "$SRV/api/session" | tr -d '\r' | sed -n 's/^Retry-After: //p')
satisfies "$ra" 'v >= 1 && v <= 2' "with Retry-After in seconds"
is "$(code GET /api/session -H "Authorization: Bearer $editor")" 200 "another principal has its own bucket"
s=""
for i in 1 2 3; do s="$s $(code POST /api/login -H 'Content-Type: application/json' --data '{"token":"grym_wrong"}')"; done
is "$s" " 401 401 429" "failed logins: the 3rd is 429"
is "$(code POST /api/login -H 'Content-Type: application/json' --data "{\"token\":\"$ADMIN\"}")" 429 \
	"then even a good token waits (from this address)"
is "$(code GET /api/session -H 'Authorization: Bearer grym_wrong')" 429 "a bad bearer token from there: 429"
is "$(code GET /api/session -H "Authorization: Bearer $ADMIN")" 200 \
	"but a good bearer token is not locked out by others' failures"
# no sanitizer report from any server of this test (SANITIZE=1 builds)
is "$(cat "$PWD"/serve.*.err | grep -c 'Sanitizer\|runtime error')" 0 "the servers' stderr has no sanitizer report"
done_testing
