# tests/lib/serve.sh — start grym-serve for a CLI test, sourced after
# cli.sh. serve_start [OPTION]... starts it on a free loopback port in the
# catalog $CAT (default ./cat), waits for /healthz, and sets
#   SRV     base URL (http://127.0.0.1:PORT)    PORT   its port
#   SPID    its process id                      ADMIN  the first admin token
#   LINK    the one-time login link             SERR   its stderr file
# An EXIT trap stops every server started. code METHOD PATH [CURL ARG]...
# prints the status of one request.

CAT=${CAT:-$PWD/cat}
_spids=""
trap 'for p in $_spids; do kill "$p" 2>/dev/null; done; wait 2>/dev/null' EXIT

serve_start() {
	SERR=$PWD/serve.$$.$(date +%s%N).err
	grym-serve --catalog "$CAT" --listen 127.0.0.1:0 "$@" 2>"$SERR" &
	SPID=$!
	_spids="$_spids $SPID"
	SRV=""
	for _i in $(seq 1 100); do
		SRV=$(grep -oE 'serving https?://127\.0\.0\.1:[0-9]+' "$SERR" 2>/dev/null | sed 's/serving //')
		[ -n "$SRV" ] && break
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	PORT=${SRV##*:}
	LINK=$(grep -oE 'https?://[^ ]*/login\?token=[^ ]*' "$SERR")
	_a=$(sed -n 's/^    \(grym_[A-Za-z0-9_-]*\)$/\1/p' "$SERR" | head -1)
	[ -n "$_a" ] && ADMIN=$_a
	for _i in $(seq 1 50); do
		[ "$(curl -sk -o /dev/null -w '%{http_code}' "$SRV/healthz")" = 200 ] && return 0
		sleep 0.1
	done
	echo "# grym-serve did not start:" && sed 's/^/#   /' "$SERR"
	return 1
}

code() {
	_m=$1 _p=$2
	shift 2
	curl -s -o /dev/null -w '%{http_code}' -X "$_m" "$@" "$SRV$_p"
}
