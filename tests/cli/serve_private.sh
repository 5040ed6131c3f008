#!/bin/sh
# serve_private.sh — what grym-serve keeps in a catalog belongs to that
# machine and never travels: export, import and merge carry no token,
# session, JWT, audit row or job, and neither the keys of the serve
# folder (jwt.key, token.key) nor a secret's bytes appear in an export.
. "$GRYM_TOP/tests/lib/cli.sh"
. "$GRYM_TOP/tests/lib/serve.sh"
plan 12

ok "an asset" sh -c 'grym-synth sine --duration 0.5 -o a.wav && grym-ingest --catalog cat -q a.wav >/dev/null'
id=$(grym-catalog --catalog cat ls | cut -f1)
serve_start || exit 1
secret=$(grym-serve --catalog "$CAT" token create --role viewer --name travel 2>/dev/null |
	grep -oE 'grym_[A-Za-z0-9_-]+' | head -1)
check "a token made" test -n "$secret"
# a job, so the jobs table has a row
curl -s -o /dev/null -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
	--data "{\"stage\":\"features\",\"params\":{},\"inputs\":[\"$id\"]}" "$SRV/api/jobs"
sql() { sqlite3 "$1" "$2"; }
check "the catalog holds tokens, audit rows and a job" \
	test "$(sql cat/catalog.db 'select (select count(*) from tokens) > 1 and (select count(*) from audit) > 0 and (select count(*) from jobs) > 0')" = 1
check "and the serve folder its keys" test -s cat/serve/jwt.key -a -s cat/serve/token.key

ok "export" grym-catalog --catalog cat export -o all.tar
members=$(tar -tf all.tar)
is "$(printf '%s\n' "$members" | grep -c 'serve\|key')" 0 "no serve folder or key in the export"
is "$(tar -xOf all.tar | grep -c -e "$secret" -e '"tokens"' -e '"audit"' -e '"jobs"')" 0 \
	"no secret, and no tokens, audit or jobs in it"
ok "import into another catalog" grym-catalog --catalog cat2 import all.tar
is "$(sql cat2/catalog.db 'select count(*) from tokens') $(sql cat2/catalog.db 'select count(*) from audit') $(sql cat2/catalog.db 'select count(*) from jobs')" \
	"0 0 0" "the import brings no tokens, audit rows or jobs"
ok "merge into a third" sh -c 'grym-catalog --catalog cat3 init >/dev/null && grym-catalog --catalog cat3 merge cat'
is "$(sql cat3/catalog.db 'select count(*) from tokens') $(sql cat3/catalog.db 'select count(*) from audit') $(sql cat3/catalog.db 'select count(*) from jobs') $(sql cat3/catalog.db 'select count(*) from assets')" \
	"0 0 0 1" "the merge brings the asset, and no tokens, audit rows or jobs"
check "nor the keys" test ! -e cat3/serve/jwt.key -a ! -e cat2/serve/token.key
done_testing
