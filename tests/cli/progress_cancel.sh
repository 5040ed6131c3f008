#!/bin/sh
# progress_cancel.sh — long runs: a signal stops a program in the middle
# of one long file or one training fold (not after it), promptly, with
# status 128+N, no temporary, no partial -o file and no catalog row; and
# the progress bar follows the position within a file (on a terminal
# only, never with -q).
#
# "Promptly" is measured: the time from the signal to the exit must be
# under 2 s (generous, for a loaded machine and sanitizers) and under half
# of what the run still had to do, so a program that finishes its file
# (or fold) before looking at the flag fails. The bar is read through
# script(1), which gives the program a terminal.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 67

here=$(pwd -P)   # as /proc/PID/fd shows paths
export TMPDIR="$here/private-tmp"
mkdir -p "$TMPDIR" out
# ten minutes at 44.1 kHz: seconds of work for every program below
sox -n -r 44100 -c 1 -b 16 long.wav synth 600 sine 440 vol 0.5 || exit 1

now() { date +%s.%N; }
status_of() { case $1 in INT) echo 130 ;; TERM) echo 143 ;; HUP) echo 129 ;; esac; }
# elapsed T0 T1: seconds between two `now`s
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
leftovers() { # DIR...: temporaries left there
	find "$@" -mindepth 1 \( -name '*.tmp*' -o -name 'grym-*' -o -name '.*' \) -print 2>/dev/null
}
# wait_open PID FILE: until PID has FILE open (it is working on it); 1
# if PID ended first
wait_open() {
	_t=0
	while kill -0 "$1" 2>/dev/null && [ $_t -lt 3000 ]; do
		for _f in /proc/"$1"/fd/*; do
			[ "$(readlink "$_f" 2>/dev/null)" = "$2" ] && return 0
		done
		sleep 0.01
		_t=$((_t + 1))
	done
	return 1
}
# wait_tmp PID DIR: until PID holds a temporary in DIR (unnamed ones show
# as "DIR/#N (deleted)")
wait_tmp() {
	_t=0
	while kill -0 "$1" 2>/dev/null && [ $_t -lt 3000 ]; do
		for _f in /proc/"$1"/fd/*; do
			case "$(readlink "$_f" 2>/dev/null)" in "$2"/*) return 0 ;; esac
		done
		sleep 0.01
		_t=$((_t + 1))
	done
	return 1
}
# stop SIG PID STARTED: send SIG to PID, wait for it; sets st (its
# status), lat (seconds from the signal to the exit) and ran (seconds
# from STARTED to the signal)
stop() {
	_s0=$(now)
	kill -"$1" "$2"
	wait "$2"
	st=$?
	_s1=$(now)
	lat=$(elapsed "$_s0" "$_s1")
	ran=$(elapsed "$3" "$_s0")
}
# prompt DESC FULL: the last stop came within 2 s and within half of what
# was left of a run that takes FULL seconds
prompt() {
	satisfies "$lat" "v < 2 && v < ($2 - $ran) / 2" "$1: stopped in ${lat}s (the run takes ${2}s, ${ran}s had passed)"
}

# --- grym-features on one long file -------------------------------------
feat="grym-features --features mfcc,yin,chroma --summary"
t0=$(now)
$feat long.wav >full.rec 2>err.txt
t1=$(now)
full=$(elapsed "$t0" "$t1")
ffull=$full
check "grym-features: the whole file analysed (${full}s)" test -s full.rec
lats=""
for sig in INT TERM INT; do
	want=$(status_of "$sig")
	t0=$(now)
	$feat -o out/f.rec long.wav 2>err.txt &
	pid=$!
	wait_open $pid "$here/long.wav" && sleep 0.5
	stop "$sig" $pid "$t0"
	is "$st" "$want" "grym-features long.wav, SIG$sig mid-file: $want"
	prompt "grym-features SIG$sig" "$full"
	lats="$lats $lat"
done
echo "# grym-features: signal-to-exit latencies$lats s (median $(echo $lats | tr ' ' '\n' | sort -n | sed -n 2p) s)"
check "grym-features: no partial -o file" test ! -e out/f.rec
is "$(leftovers "$TMPDIR" out)" "" "grym-features: no temporary left"
is "$(cat err.txt)" "" "grym-features: nothing said (the status tells)"

# --- grym-ingest -j 2: a signal mid-file, mid-batch ----------------------
# The file under way stops within a block of its hash, decode or copy: no
# object, no row, no record; the files finished before it are written.
sox long.wav long.wav long.wav big.wav     # 30 minutes, 159 MB
for i in 1 2 3; do sox -n -r 16000 -c 1 -b 16 s$i.wav synth 1 sine $((200 * i)) vol 0.5; done
big_id=$(sha256sum big.wav | cut -c1-64)
t0=$(now)
grym-ingest -q --catalog full-cat big.wav >/dev/null 2>err.txt
t1=$(now)
full=$(elapsed "$t0" "$t1")
rm -rf full-cat
t0=$(now)
grym-ingest --catalog icat -j 2 --text s1.wav s2.wav big.wav s3.wav >out/ing.txt 2>err.txt &
pid=$!
# s1 and s2 done (s3 starts only after one of them), big.wav open
n=0 t=0
while [ "$n" -lt 2 ] && [ $t -lt 3000 ] && kill -0 $pid 2>/dev/null; do
	n=$(sqlite3 icat/catalog.db 'SELECT count(*) FROM assets' 2>/dev/null || echo 0)
	t=$((t + 1))
done
wait_open $pid "$here/big.wav"
stop INT $pid "$t0"
is "$st" 130 "grym-ingest -j 2, SIGINT while big.wav is under way: 130"
prompt "grym-ingest -j 2 SIGINT" "$full"
is "$(sqlite3 icat/catalog.db "SELECT count(*) FROM assets WHERE id = '$big_id'")" 0 \
	"grym-ingest: no row for the unfinished big.wav"
check "grym-ingest: nor its object" test ! -e "icat/objects/$(echo "$big_id" | cut -c1-2)/$big_id"
like "$(cut -f2 out/ing.txt | tr '\n' ' ')" "^s1.wav s2.wav (s3.wav )?$" "grym-ingest: the files finished before it written, in order"
same "$(wc -l <out/ing.txt)" "$(sqlite3 icat/catalog.db 'SELECT count(*) FROM assets')" "grym-ingest: a record for every row"
is "$(leftovers "$TMPDIR" icat/tmp)" "" "grym-ingest: no temporary left"
rm -f big.wav

# --- grym-features -j 2, catalog mode: no feature row for the asset cut -
grym-ingest -q --catalog fcat s1.wav s2.wav long.wav s3.wav >frefs.bin 2>err.txt
long_id=$(sha256sum long.wav | cut -c1-64)
t0=$(now)
grym-features --catalog fcat -j 2 --features mfcc,yin,chroma --summary -o out/fj.rec <frefs.bin 2>err.txt &
pid=$!
wait_open $pid "$here/fcat/objects/$(echo "$long_id" | cut -c1-2)/$long_id" && sleep 0.5
stop INT $pid "$t0"
is "$st" 130 "grym-features -j 2 on catalog assets, SIGINT mid-asset: 130"
prompt "grym-features -j 2 SIGINT" "$ffull"
is "$(sqlite3 fcat/catalog.db "SELECT count(*) FROM features WHERE asset = '$long_id'")" 0 \
	"grym-features -j 2: no feature row for the unfinished asset"
check "grym-features -j 2: no partial -o file" test ! -e out/fj.rec
is "$(leftovers "$TMPDIR" out fcat/tmp)" "" "grym-features -j 2: no temporary left"

# --- grym-normalize on one long file: filter mode ----------------------
t0=$(now)
grym-normalize -o out/full.wav long.wav 2>err.txt
t1=$(now)
full=$(elapsed "$t0" "$t1")
check "grym-normalize: the whole file normalized (${full}s)" test -s out/full.wav
rm -f out/full.wav
t0=$(now)
grym-normalize -o out/n.wav long.wav 2>err.txt &
pid=$!
wait_open $pid "$here/long.wav" && sleep 0.3
stop INT $pid "$t0"
is "$st" 130 "grym-normalize -o n.wav long.wav, SIGINT: 130"
prompt "grym-normalize filter" "$full"
check "grym-normalize: no partial n.wav" test ! -e out/n.wav
is "$(leftovers "$TMPDIR" out)" "" "grym-normalize: no temporary left"
t0=$(now)
grym-normalize --measure long.wav >out/m.txt 2>err.txt &
pid=$!
wait_open $pid "$here/long.wav" && sleep 0.3
stop TERM $pid "$t0"
is "$st" 143 "grym-normalize --measure long.wav, SIGTERM: 143"
is "$(grep -c long.wav out/m.txt)" 0 "grym-normalize --measure: no line for the unfinished file"

# --- grym-normalize, catalog mode: no derived row -----------------------
grym-ingest -q long.wav >refs.bin 2>err.txt
ok "ingest the long file" test -s refs.bin
t0=$(now)
grym-normalize --lufs -20 <refs.bin >out/norm.bin 2>err.txt &
pid=$!
wait_tmp $pid "$TMPDIR" && sleep 0.3
stop INT $pid "$t0"
is "$st" 130 "catalog normalize, SIGINT mid-asset: 130"
prompt "catalog normalize" "$full"
is "$(sqlite3 "$GRYM_CATALOG/catalog.db" "SELECT count(*) FROM assets WHERE kind = 'derived'")" 0 \
	"catalog normalize: no derived asset row"
is "$(leftovers "$TMPDIR" "$GRYM_CATALOG/tmp")" "" "catalog normalize: no temporary, none in the store"

# --- grym-normalize, audio records in and out: unnamed temporaries -----
# the payload and the result go through files in TMPDIR that nothing,
# not even SIGKILL, leaves behind
grym-synth sine --duration 300 --rate 16000 --records >rec.bin
for sig in INT KILL; do
	t0=$(now)
	grym-normalize --lufs -20 <rec.bin >out/rec.out 2>err.txt &
	pid=$!
	wait_tmp $pid "$TMPDIR"
	stop "$sig" $pid "$t0"
	case $sig in INT) want=130 ;; KILL) want=137 ;; esac
	is "$st" "$want" "audio records, SIG$sig mid-record: $want"
	is "$(leftovers "$TMPDIR")" "" "audio records, SIG$sig: no grym-rec temporary left"
done

# --- grym-train: a signal inside a fold ---------------------------------
awk 'BEGIN { srand(1); printf "label"; for (j = 0; j < 40; j++) printf "\tf%d", j; printf "\n"
	for (i = 0; i < 8000; i++) { c = i % 4; printf "c%d", c
		for (j = 0; j < 40; j++) printf "\t%.4f", rand() + (j % 4 == c) * 0.3; printf "\n" } }' >big.tsv
# an mlp that never settles: one fold alone would take minutes
train="grym-train --tsv --model mlp --cv 5 --epochs 100000 --patience 100000 --val-fraction 0 --seed 1"
for sig in INT TERM; do
	want=$(status_of "$sig")
	t0=$(now)
	$train -o out/m.model big.tsv >out/train.txt 2>err.txt &
	pid=$!
	sleep 1.5
	stop "$sig" $pid "$t0"
	is "$st" "$want" "grym-train mlp --cv 5, SIG$sig inside the first fold: $want"
	prompt "grym-train SIG$sig" 60
done
check "grym-train: no model written" test ! -e out/m.model
is "$(cat out/train.txt)" "" "grym-train: no metrics printed"
is "$(leftovers "$TMPDIR" out)" "" "grym-train: no temporary left"

# --- grym-catalog import blocked on a pipe, export on a full one --------
rows() { sqlite3 "$GRYM_CATALOG/catalog.db" "SELECT count(*) FROM assets"; }
before=$(rows)
rm -f in.fifo; mkfifo in.fifo
exec 3<>in.fifo # a writer that never writes
for how in path stdin; do
	t0=$(now)
	if [ $how = path ]; then grym-catalog import in.fifo 3>&- 2>err.txt &
	else grym-catalog import - <in.fifo 3>&- 2>err.txt &
	fi
	pid=$!
	sleep 0.5
	stop INT $pid "$t0"
	is "$st" 130 "grym-catalog import from a silent FIFO ($how), SIGINT: 130"
	satisfies "$lat" "v < 2" "grym-catalog import ($how): stopped in ${lat}s"
done
exec 3>&-
is "$(rows)" "$before" "grym-catalog import: no row added"
rm -f out.fifo; mkfifo out.fifo
exec 4<>out.fifo # a reader that never reads: the export blocks writing
t0=$(now)
grym-catalog export -o - >out.fifo 4>&- 2>err.txt &
pid=$!
sleep 1
stop TERM $pid "$t0"
exec 4>&-
is "$st" 143 "grym-catalog export into a full pipe, SIGTERM: 143"
satisfies "$lat" "v < 2" "grym-catalog export: stopped in ${lat}s"

# --- the progress bar: by position within one file ---------------------
# The ten-minute file measured as 4 channels at 96 kHz: seconds of work
# on any machine, so the bar (redrawn five times a second) has to move
# before the end. (A pipe of unknown length, which reports seconds
# instead, is test_progress's: the programs copy a pipe to a file first.)
pct() { tr '\r' '\n' <"$1" | grep -oE '[0-9]+%' | tr -d % | uniq; }
script -qec "grym-normalize --measure --rate 96000 --channels 4 long.wav" /dev/null >tty.txt 2>&1
p=$(pct tty.txt | tr '\n' ' ')
before_end=$(pct tty.txt | awk '$1 < 100' | wc -l)
satisfies "$before_end" "v >= 3" "measure on a terminal: at least 3 fractions before the end ($p)"
is "$(pct tty.txt | sort -n -c 2>&1 && echo rising)" "rising" "measure: the fractions only rise"
t=$(tr '\r' '\n' <tty.txt)
like "$t" "measure \[#+\] 100%" "measure: the bar ends full"
like "$t" "^.\[K +-?[0-9.]+ .*long\.wav$" "measure: the table line printed on a line of its own"
sox -n -r 16000 -c 1 -b 16 s60.flac synth 60 sine 440 vol 0.5
script -qec "grym-normalize -q --measure s60.flac" /dev/null >tty.txt 2>&1
is "$(tr '\r' '\n' <tty.txt | grep -cE '%|\[#')" 0 "-q: no bar"
grym-normalize --measure s60.flac >/dev/null 2>err.txt
is "$(cat err.txt)" "" "stderr not a terminal: no bar"

# one long file through the other programs
script -qec "grym-normalize -o out/bar.wav long.wav" /dev/null >tty.txt 2>&1
t=$(tr '\r' '\n' <tty.txt)
like "$t" "normalize \[[#.]+\] +[0-9]+%  measuring" "normalize: the measuring pass on the bar"
like "$t" "normalize \[[#.]+\] +[0-9]+%  normalizing" "normalize: then the processing pass"
script -qec "$feat long.wav >/dev/null" /dev/null >tty.txt 2>&1
satisfies "$(pct tty.txt | awk '$1 < 100' | wc -l)" "v >= 3" "features on one file: fractions before the end ($(pct tty.txt | tr '\n' ' '))"
is "$(pct tty.txt | sort -n -c 2>&1 && echo rising)" "rising" "features: the fractions only rise"
# many files: files done and the part of the current one
cp long.wav long2.wav
script -qec "grym-features --summary long.wav long2.wav >/dev/null" /dev/null >tty.txt 2>&1
like "$(tr '\r' '\n' <tty.txt)" "features \[[#.]+\] 1/2 +[6-9][0-9]%" "two files: 1/2 done, and the part of the second"
# a model's recipe replayed on one long file (normalize, then features)
grym-synth dataset --classes 2 --per-class 3 --seed 1 DS
grym-ingest -q --label-from-dir DS 2>/dev/null | grym-normalize --lufs -23 2>/dev/null |
	grym-features --features rms --summary 2>/dev/null |
	grym-train --model logreg --seed 1 -o m.model >/dev/null 2>&1
script -qec "grym-infer -m m.model long.wav" /dev/null >tty.txt 2>&1
satisfies "$(pct tty.txt | awk '$1 < 100' | wc -l)" "v >= 3" "infer on one audio file: fractions before the end ($(pct tty.txt | tr '\n' ' '))"
# the bar is taken off its line (\r, ESC [K) before the prediction
like "$(tr '\r' '\n' <tty.txt)" "^.\[Klong\.wav	" "infer: the prediction on a line of its own, the bar cleared"
script -qec "grym-train --tsv --model mlp --cv 3 --epochs 60 --patience 60 --val-fraction 0 --seed 1 big.tsv >/dev/null" /dev/null >tty.txt 2>&1
t=$(tr '\r' '\n' <tty.txt)
like "$t" "train \[[#.]+\] +[0-9]+%  fold 2/3: epoch [0-9]+/60" "train: folds and epochs on the bar"
like "$t" "final model: epoch" "train: then the final model"

done_testing
