#!/bin/sh
# pipe_flush.sh — on a pipe each record leaves as soon as it is made, so
# the stages of a pipeline overlap: when the first record of a 300-file
# ingest reaches the reader, at most 10% of the batch is done (before,
# records waited in a 256 KiB buffer, about 700 references, until exit).
# Into a regular file nothing changes.
. "$GRYM_TOP/tests/lib/cli.sh"

mkdir d
/usr/bin/python3 - <<'PY'
import wave, struct, math
for i in range(1, 301):   # 300 different 50 ms tones
    w = wave.open("d/f%03d.wav" % i, "wb")
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
    w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * (200 + i) * t / 8000)))
                           for t in range(400)))
    w.close()
PY
committed() { sqlite3 "$GRYM_CATALOG/catalog.db" 'SELECT count(*) FROM assets'; }

n=$(grym-ingest -q d | { head -c 64 >/dev/null; committed; cat >/dev/null; })
check "binary records: the first arrives before 10% of 300 files are done ($n)" test "$n" -lt 30
rm -rf "$GRYM_CATALOG"
n=$(grym-ingest -q --text d | { IFS= read -r l; committed; cat >/dev/null; })
check "text lines: the first arrives before 10% of 300 files are done ($n)" test "$n" -lt 30

# the next stage, too: features of the first file reach their reader
# while most references are still to come
grym-ingest -q d >refs.grym
n=$(grym-features --mfcc --summary --text <refs.grym | { IFS= read -r l; IFS= read -r l; \
	sqlite3 "$GRYM_CATALOG/catalog.db" 'SELECT count(DISTINCT asset) FROM features'; cat >/dev/null; })
check "grym-features: the first vector arrives before 10% are analysed ($n)" test "$n" -lt 30

# into a file the output is whole and the same as through a pipe
grym-ingest -q --text d >file.txt
grym-ingest -q --text d | cat >pipe.txt
is "$(cmp file.txt pipe.txt && echo same)" "same" "file and pipe outputs are identical"
is "$(wc -l <file.txt | tr -d ' ')" 300 "300 lines"
done_testing
