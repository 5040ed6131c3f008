#!/bin/sh
# ingest_bad.sh — every kind of bad input gets one clear line, the batch
# goes on, the exit status is 1, and nothing of the failed inputs is left
# in the catalog or the store; --accept-truncated keeps what decodes;
# SIGINT and SIGKILL mid-batch leave every finished asset complete.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 57

db() { sqlite3 "$GRYM_CATALOG/catalog.db" "$1"; }
sha() { sha256sum "$1" | cut -c1-64; }
objects() { find "$GRYM_CATALOG/objects" -type f | wc -l; }

mkdir -p in
sox -n -r 16000 -b 16 in/good.wav synth 1 sine 440
# (sox -R: repeatable dither, so the damaged bytes below always land on
# the same frame)
sox -R -n -r 16000 -b 16 full.wav synth 2 sine 300
ffmpeg -nostdin -v error -i full.wav -b:a 64k full.mp3
ffmpeg -nostdin -v error -i full.wav full.flac
head -c $(( $(stat -c %s full.wav) / 2 )) full.wav >in/cut.wav
head -c $(( $(stat -c %s full.mp3) / 2 )) full.mp3 >in/cut.mp3
head -c $(( $(stat -c %s full.flac) / 2 )) full.flac >in/cut.flac
printf 'id,label\n1,dog\n' >in/table.wav          # text named .wav
: >in/empty.wav
head -c 20000 /dev/urandom >in/noise.bin
mkdir -p loop/sub && ln -s .. loop/sub/up
GOOD=$(sha in/good.wav)

hdr=$(( $(stat -c %s full.wav) - 64000 ))
fails 1 "a batch with bad inputs exits 1" grym-ingest --text in/cut.wav in/good.wav in/cut.mp3 \
	in/cut.flac in/table.wav in/empty.wav in/noise.bin in/missing.wav loop
like "$(tr '\n' '|' <.err)" "^grym-ingest: in/cut.wav: truncated: decoded $(( ( $(stat -c %s in/cut.wav) - hdr ) / 2 )) of 32000 frames\|\
grym-ingest: in/cut.mp3: truncated: decoded [0-9]+ of 33408 frames\|\
grym-ingest: in/cut.flac: truncated: decoded [0-9]+ of 32000 frames\|\
grym-ingest: in/table.wav: not audio \(text file\)\|\
grym-ingest: in/empty.wav: empty file\|\
grym-ingest: in/noise.bin: not audio \(no decodable format found\)\|\
grym-ingest: in/missing.wav: No such file or directory\|\
grym-ingest: loop/sub/up: symbolic link loop \(leads back to a directory above\)\|\
grym-ingest: ingested 1, already known 0, failed 8\|$" "one line per bad input, in input order, then the summary"
is "$(cat .out)" "$GOOD	in/good.wav	" "the good file in the middle is still ingested"
is "$(db 'SELECT id FROM assets')" "$GOOD" "catalog: one row, the good file"
is "$(db 'SELECT count(*) FROM asset_paths')" 1 "catalog: no path of a failed input"
is "$(objects)" 1 "store: one object"
is "$(find "$GRYM_CATALOG/tmp" -type f | wc -l)" 0 "store: no temporary files"

# A WAV header claiming 65535 channels: the count and grym's limit, in
# every program that decodes, not FFmpeg's bare "Invalid argument"
/usr/bin/python3 -c "
import struct
ch, rate = 65535, 8000
data = bytes(ch * 2 * 4)
fmt = struct.pack('<HHIIHH', 1, ch, rate, rate * ch * 2, (ch * 2) & 0xffff, 16)
d = b'WAVEfmt ' + struct.pack('<I', 16) + fmt + b'data' + struct.pack('<I', len(data)) + data
open('many.wav', 'wb').write(b'RIFF' + struct.pack('<I', len(d)) + d)"
for p in grym-ingest grym-features grym-normalize; do
	case $p in grym-features) a=--mfcc ;; grym-normalize) a=--measure ;; *) a=-q ;; esac
	fails 1 "$p: 65535 channels refused" $p $a many.wav
	like "$(head -n 1 .err)" "^$p: many.wav: 65535 channels: more than grym supports \(64\)$" \
		"$p names the channel count and the limit"
done

# The same bad inputs inside an archive, and on stdin.
(cd in && zip -q ../bad.zip cut.wav cut.flac empty.wav good.wav)
fails 1 "bad members of a zip" grym-ingest --text bad.zip
is "$(cat .err)" "grym-ingest: bad.zip:cut.wav: truncated: decoded $(( ( $(stat -c %s in/cut.wav) - hdr ) / 2 )) of 32000 frames
grym-ingest: bad.zip:cut.flac: truncated: decoded $(/usr/bin/python3 -c 'print(6912)') of 32000 frames
grym-ingest: bad.zip:empty.wav: empty file
grym-ingest: ingested 0, already known 1, failed 3" "archive members fail one by one"
is "$(objects)" 1 "store: still one object"
fails 1 "truncated mp3 on stdin" sh -c 'grym-ingest --text - <in/cut.mp3'
like "$(cat .err)" "^grym-ingest: -: truncated: decoded [0-9]+ of 33408 frames" "stdin failure line"
fails 1 "empty stdin" sh -c 'grym-ingest --text - </dev/null'
like "$(cat .err)" "^grym-ingest: -: empty file" "empty stdin line"
is "$(objects)" 1 "store: still one object after stdin failures"
is "$(find "$GRYM_CATALOG/tmp" -type f | wc -l)" 0 "no spooled leftovers"

# A directory that cannot be read, a file that cannot be read. Run without
# the capabilities that let root read anything (unprivileged), so these
# check something when the suite runs as root too.
mkdir -p locked && cp in/good.wav locked/x.wav
cp full.wav unreadable.wav
chmod 000 locked unreadable.wav
need_unreadable locked unreadable.wav
fails 1 "unreadable directory" unprivileged grym-ingest --text locked
is "$(sed -n 1p .err)" "grym-ingest: locked: Permission denied" "unreadable directory line"
fails 1 "unreadable file" unprivileged grym-ingest --text unreadable.wav
is "$(sed -n 1p .err)" "grym-ingest: unreadable.wav: Permission denied" "unreadable file line"
chmod 755 locked; chmod 644 unreadable.wav
fails 1 "a path through a file" grym-ingest --text in/good.wav/x.wav
is "$(sed -n 1p .err)" "grym-ingest: in/good.wav/x.wav: Not a directory" "path through a file: one line"

# A FLAC with a damaged frame in the middle (not cut: bytes overwritten).
cp full.flac damaged.flac
printf '\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377' |
	dd of=damaged.flac bs=1 seek=$(( $(stat -c %s full.flac) / 2 )) conv=notrunc 2>/dev/null
fails 1 "damaged flac" grym-ingest --text damaged.flac
like "$(sed -n 1p .err)" "^grym-ingest: damaged.flac: corrupt: decode error at [0-9.]+ s: " "damaged flac: decode error line"
is "$(db "SELECT count(*) FROM assets WHERE id = '$(sha damaged.flac)'")" 0 "damaged flac: no row"

# --accept-truncated keeps what decodes, and says so.
ok "--accept-truncated" grym-ingest --text --accept-truncated in/cut.wav in/cut.flac
CW=$(sha in/cut.wav)
is "$(sed -n 1p .err)" "grym-ingest: in/cut.wav: truncated or damaged: kept the $(( ( $(stat -c %s in/cut.wav) - hdr ) / 2 )) frames that decode" "it says so"
same "$(db "SELECT frames FROM assets WHERE id = '$CW'")" "$(( ( $(stat -c %s in/cut.wav) - hdr ) / 2 ))" "frames: what decoded"
is "$(tail -n 1 .err)" "grym-ingest: ingested 2, already known 0, failed 0" "accepted files count as ingested"

# --- SIGINT mid-batch: the files in progress stop, the rest wait -------
# The last input is a FIFO nobody writes to: grym-ingest cannot finish
# before the signal arrives, so the signal always lands mid-run. After the
# signal a helper keeps opening and closing the FIFO's write end, which
# gives a reader blocked on it an empty file.
rm -rf "$GRYM_CATALOG"
mkdir -p batch
i=0
while [ $i -lt 150 ]; do
	sox -n -r 44100 -b 16 -c 2 batch/f$(printf %03d $i).wav synth 1 sine $((100 + i)) vol 0.5
	i=$((i + 1))
done
mkfifo hold
release_hold() { while :; do exec 3<>hold; exec 3>&-; sleep 0.1; done; }
grym-ingest --text -j 2 batch hold >int.out 2>int.err &
pid=$!
n=0
while [ "$n" -lt 5 ] && kill -0 $pid 2>/dev/null; do
	n=$(sqlite3 "$GRYM_CATALOG/catalog.db" 'SELECT count(*) FROM assets' 2>/dev/null || echo 0)
done
kill -INT $pid
release_hold & rel=$!
wait $pid
st=$?
kill $rel
is "$st" 130 "SIGINT: grym-ingest dies of the signal"
like "$(cat int.err)" "interrupted" "SIGINT: says so"
rows=$(db 'SELECT count(*) FROM assets')
same "$(wc -l <int.out)" "$rows" "SIGINT: a record for every asset that was finished"
same "$(objects)" "$rows" "SIGINT: one object per row, no more"
is "$(find "$GRYM_CATALOG/tmp" -type f | wc -l)" 0 "SIGINT: no temporary files"
ok "SIGINT: catalog passes fsck" grym-catalog fsck
ok "re-run after SIGINT" grym-ingest --text -j 2 batch
is "$(tail -n 1 .err)" "grym-ingest: ingested $((150 - rows)), already known $rows, failed 0" "re-run completes the rest"

# --- SIGINT with -j 2, an input stuck mid-way ----------------------------
# A FIFO holding the first 60 KB of a WAV, its writer still open, sits
# after 6 files: the batch cannot pass it. The pool's window (2 x 2 jobs)
# lets the 3 files after it run, no more; then SIGINT stops the stuck
# input, which leaves no row, and the 9 finished files are written.
rm -rf "$GRYM_CATALOG"
rm -f part; mkfifo part
{ ls batch/*.wav | head -n 6; echo part; ls batch/*.wav | sed -n '7,20p'; } >stuck.list
grym-ingest --text -j 2 --from-list stuck.list >stuck.out 2>stuck.err &
pid=$!
exec 4>part
head -c 60000 batch/f149.wav >&4   # less than a pipe holds: no wait
t=0
while [ "$(db 'SELECT count(*) FROM assets' 2>/dev/null || echo 0)" -lt 9 ] && [ $t -lt 3000 ]; do
	sleep 0.01; t=$((t + 1))
done
sleep 0.5   # time for a 10th, if the window let one through
is "$(db 'SELECT count(*) FROM assets')" 9 "-j 2 behind a stuck input: 6 files before it, 3 after (the window), no more"
kill -INT $pid
wait $pid
st=$?
exec 4>&-
is "$st" 130 "-j 2, SIGINT with an input mid-way: 130"
is "$(db "SELECT count(*) FROM asset_paths WHERE path = 'part'")" 0 "the unfinished input left no row"
is "$(cut -f2 stuck.out | tr '\n' ' ')" "$({ head -n 6 stuck.list; sed -n '8,10p' stuck.list; } | tr '\n' ' ')" \
	"the 9 finished files written, in input order"
is "$(find "$GRYM_CATALOG/tmp" -type f | wc -l) $(objects)" "0 9" "no temporary, one object per row"
ok "the catalog passes fsck" grym-catalog fsck

# --- SIGKILL mid-batch: nothing half-written ------------------------------
# (the FIFO again: the batch cannot end before the kill)
rm -rf "$GRYM_CATALOG"
grym-ingest --text -j 2 batch hold >/dev/null 2>&1 &
pid=$!
n=0
while [ "$n" -lt 5 ] && kill -0 $pid 2>/dev/null; do
	n=$(sqlite3 "$GRYM_CATALOG/catalog.db" 'SELECT count(*) FROM assets' 2>/dev/null || echo 0)
done
kill -KILL $pid
wait $pid 2>/dev/null
ok "SIGKILL: catalog passes fsck" grym-catalog fsck
rows=$(db 'SELECT count(*) FROM assets')
is "$(db "SELECT count(*) FROM assets WHERE frames != 44100 OR sample_rate != 44100")" 0 "SIGKILL: every row complete"
check "SIGKILL: every row has its object" test "$(objects)" -ge "$rows"
ok "re-run after SIGKILL" grym-ingest --text -j 2 batch
is "$(tail -n 1 .err)" "grym-ingest: ingested $((150 - rows)), already known $rows, failed 0" "re-run after SIGKILL completes the rest"
is "$(db 'SELECT count(*) FROM assets')" 150 "all 150 in the end"
done_testing
