#!/bin/sh
# catalog_gc_live.sh — `grym-catalog gc --grace 0` never removes an
# object a live writer is about to reference: ingests (and a derived
# asset from grym-normalize) run while gc runs again and again; every
# one succeeds and fsck is clean afterwards. The same content is ingested
# twice in a row, so gc also sees objects that exist before their row.
. "$GRYM_TOP/tests/lib/cli.sh"

N=10
mkdir -p clips
i=0
while [ $i -lt $N ]; do
	grym-synth sine --freq $((200 + 17 * i)) --duration 0.5 --rate 16000 -o clips/c$i.wav || exit 1
	i=$((i + 1))
done
ok "an empty catalog" grym-catalog stats

# gc in a tight loop until the writers are done
: >gc.log
( while [ ! -e writers.done ]; do
	echo run >>gc.log
	grym-catalog -q gc --grace 0 >>gc.log 2>&1 || echo "gc failed: $?" >>gc.log
done ) &
gcpid=$!

fails_n=0
i=0
while [ $i -lt $N ]; do
	if ! grym-ingest -q -o /dev/null clips/c$i.wav 2>>ingest.err; then fails_n=$((fails_n + 1)); fi
	# remove the row, keep the object: the next ingest finds the object
	# already stored and must still see it kept until its row is written
	id=$(sha256sum clips/c$i.wav | cut -c1-64)
	grym-catalog -q rm "$id" 2>>ingest.err
	if ! grym-ingest -q -o /dev/null clips/c$i.wav 2>>ingest.err; then fails_n=$((fails_n + 1)); fi
	if ! grym-ingest -q clips/c$i.wav 2>>ingest.err | grym-normalize -q --lufs -20 -o /dev/null 2>>ingest.err
	then fails_n=$((fails_n + 1)); fi
	i=$((i + 1))
done
touch writers.done
wait $gcpid
is "$fails_n" 0 "no ingest or normalize failed while gc --grace 0 ran"
is "$(cat ingest.err)" "" "no error messages from the writers"
check "gc ran again and again" test "$(grep -c "^run" gc.log)" -ge 3
is "$(grep 'gc failed' gc.log)" "" "gc itself never failed"
ok "fsck is clean afterwards" grym-catalog fsck
is "$(sqlite3 catalog/catalog.db 'select count(*) from assets where kind = "source"')" "$N" \
	"every clip is catalogued"
ok "gc afterwards" grym-catalog gc --grace 0
ok "fsck is clean after a last gc" grym-catalog fsck

done_testing
