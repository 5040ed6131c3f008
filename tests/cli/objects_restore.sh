#!/bin/sh
# objects_restore.sh — an object file deleted or bit-flipped behind the
# catalog's back: re-ingesting its source puts it back (from a file, from
# stdin), and fsck is clean again.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 31

sha() { sha256sum "$1" | cut -c1-64; }
obj() { echo "$GRYM_CATALOG/objects/$(echo "$1" | cut -c1-2)/$1"; }
flip() { printf 'M' | dd of="$1" bs=1 seek=100 count=1 conv=notrunc 2>/dev/null; }

mkdir -p corpus
sox -n -r 16000 -b 16 corpus/a.wav synth 0.5 sine 440
sox -n -r 8000 -b 16 corpus/b.wav synth 0.25 sine 300
A=$(sha corpus/a.wav); B=$(sha corpus/b.wav)
ok "ingest two files" grym-ingest --text corpus
ok "fsck clean at first" grym-catalog fsck

# --- (a) re-ingest restores a missing object ----------------------------
rm -f "$(obj "$A")"
fails 1 "fsck sees the missing object" grym-catalog fsck
ok "re-ingest the file whose object is missing" grym-ingest -v --text corpus/a.wav
like "$(cat .err)" "corpus/a.wav: known $A, object restored \\(it was missing\\)" "-v says the object was restored"
is "$(sha "$(obj "$A")")" "$A" "the object is back with the right content"
ok "fsck clean after the restore" grym-catalog fsck

# --- (a) re-ingest restores a bit-flipped object -------------------------
flip "$(obj "$A")"
fails 1 "fsck sees the flipped bit" grym-catalog fsck
ok "re-ingest the file whose object is corrupt" grym-ingest -v --text corpus/a.wav
like "$(cat .err)" "corpus/a.wav: known $A, object restored \\(it was corrupt\\)" "-v says the corrupt object was restored"
is "$(sha "$(obj "$A")")" "$A" "the corrupt object is replaced by the right content"

# --- (a) from stdin too ---------------------------------------------------
rm -f "$(obj "$B")"
ok "re-ingest from stdin" sh -c 'grym-ingest -v --text - <corpus/b.wav'
like "$(cat .err)" "known $B, object restored \\(it was missing\\)" "-v says stdin restored it"
is "$(sha "$(obj "$B")")" "$B" "the object from stdin is back"
ok "fsck clean at the end" grym-catalog fsck
ok "a healthy known asset is left alone" grym-ingest -v --text corpus/a.wav

# --- (b) a reader stats the object against the catalog's size ------------
sox -n -r 16000 -b 16 corpus/c.wav synth 0.5 sine 660
C=$(sha corpus/c.wav); CB=$(stat -c %s corpus/c.wav)
grym-ingest -q corpus/c.wav >c.rec
printf 'xx' >>"$(obj "$C")"
fails 1 "grym-normalize refuses an object of the wrong size" sh -c 'grym-normalize --text <c.rec'
like "$(cat .err)" "object of $C is $((CB + 2)) bytes, the catalog says $CB: run grym-catalog fsck" \
	"grym-normalize names the asset, both sizes and fsck"
fails 1 "grym-features refuses an object of the wrong size" sh -c 'grym-features --summary --text <c.rec'
like "$(cat .err)" "object of $C is $((CB + 2)) bytes, the catalog says $CB: run grym-catalog fsck" \
	"grym-features names the asset, both sizes and fsck"
rm -f "$(obj "$C")"
fails 1 "grym-features refuses a missing object" sh -c 'grym-features --summary --text <c.rec'
like "$(cat .err)" "object of $C is missing: run grym-catalog fsck" "the message says it is missing"
ok "after a re-ingest the features are computed" sh -c 'grym-ingest -q corpus/c.wav && grym-features --summary --text <c.rec'

# --- (c) fsck --repair restores from the origin paths --------------------
rm -f "$(obj "$A")"
flip "$(obj "$B")"
sox -n -r 8000 -b 16 corpus/gone.wav synth 0.2 sine 500
G=$(sha corpus/gone.wav)
grym-ingest -q corpus/gone.wav >/dev/null
mv corpus/gone.wav kept.wav; rm -f "$(obj "$G")"
fails 1 "fsck --repair fails while something is left unrepaired" grym-catalog fsck --repair
like "$(cat .out)" "^asset $A: object restored from corpus/a.wav\$" "the missing object is restored from its path"
like "$(cat .out)" "^asset $B: object restored from corpus/b.wav\$" "the corrupt object is restored from its path"
like "$(cat .out)" "^asset $G: object not restored \\(no origin path still hashes to it\\)\$" \
	"an object whose file is gone is listed"
is "$(sha "$(obj "$A")") $(sha "$(obj "$B")")" "$A $B" "both objects hold the right bytes again"
ok "re-ingest the lost file, found again" sh -c 'mv kept.wav corpus/gone.wav && grym-ingest -q corpus/gone.wav >/dev/null'
ok "fsck --repair on a healthy catalog" grym-catalog fsck --repair
is "$(cat .out)" "" "reports nothing"
