#!/bin/sh
# interrupt.sh — SIGINT, SIGTERM and SIGHUP end every program cleanly:
# exit status 128+N, no temporary left in $TMPDIR or beside the output,
# an existing output file untouched; and SIGKILL leaves nothing either
# (unnamed O_TMPFILE temporaries). Each signal is sent while the program
# is known to be mid-run: blocked reading a FIFO that a writer keeps
# open, or — seen through /proc/PID/fd — holding its temporary open while
# working through a long generated input.
. "$GRYM_TOP/tests/lib/cli.sh"

export TMPDIR="$PWD/private-tmp"
mkdir -p "$TMPDIR" out
sox -n -r 8000 -c 1 -b 16 long.wav synth 900 sine 440 vol 0.5 || exit 1
sox -n -r 8000 -c 1 -b 16 short.wav synth 1 sine 440 vol 0.5 || exit 1

# wait_tmp PID DIR: wait until PID holds a temporary in DIR open (a named
# grym temporary, or an unnamed or deleted file); 1 if PID ended first.
wait_tmp() {
	_t=0
	while kill -0 "$1" 2>/dev/null && [ $_t -lt 6000 ]; do
		for _f in /proc/"$1"/fd/*; do
			_l=$(readlink "$_f" 2>/dev/null) || continue
			case "$_l" in
			"$2"/*"(deleted)"|"$2"/\#*|"$2"/grym-*|"$2"/.*.tmp.*) return 0 ;;
			esac
		done
		sleep 0.01
		_t=$((_t + 1))
	done
	return 1
}
leftovers() { # DIR...: names of files left there
	find "$@" -mindepth 1 \( -name '*.tmp*' -o -name 'grym-*' -o -name '.*' \) -print 2>/dev/null
}
# run_fifo SIG WANT DESC CMD...: CMD reads a FIFO into which part of
# long.wav was written and which stays open; SIG is sent once CMD holds
# a temporary in $TMPDIR or in out/.
run_fifo() {
	_sig=$1 _want=$2 _d=$3; shift 3
	rm -f in.fifo; mkfifo in.fifo
	"$@" <in.fifo >out/stdout 2>err.txt &
	_pid=$!
	exec 3>in.fifo
	head -c 300000 long.wav >&3
	if wait_tmp $_pid "$TMPDIR" || wait_tmp $_pid "$PWD/out"; then
		kill -$_sig $_pid
	else
		echo "# $_d: no temporary seen"
	fi
	wait $_pid
	_st=$?
	exec 3>&-
	is "$_st" "$_want" "$_d: exit status $_want"
	is "$(leftovers "$TMPDIR" out)" "" "$_d: no temporary left"
}

# --- spooling stdin ---------------------------------------------------
run_fifo INT 130 "grym-normalize spooling stdin, SIGINT" grym-normalize -t flac
run_fifo TERM 143 "grym-features spooling stdin, SIGTERM" grym-features --summary
echo old >out/f.rec
run_fifo TERM 143 "grym-features -o f.rec, SIGTERM" grym-features --summary -o out/f.rec
is "$(cat out/f.rec)" "old" "grym-features -o: the old output is untouched"
echo old >out/n.flac
run_fifo HUP 129 "grym-normalize -o n.flac from a pipe, SIGHUP" grym-normalize -o out/n.flac
is "$(cat out/n.flac)" "old" "grym-normalize -o: the old output is untouched"

# --- a long input, signalled while the output is being written ---------
grym-normalize -o out/n.flac long.wav 2>err.txt &
pid=$!
wait_tmp $pid "$PWD/out" && kill -TERM $pid
wait $pid
is "$?" 143 "grym-normalize -o n.flac long.wav, SIGTERM mid-write: 143"
is "$(cat out/n.flac)" "old" "the old n.flac is untouched"
is "$(leftovers "$TMPDIR" out)" "" "nothing left beside n.flac or in TMPDIR"

# --- the catalog pipeline: ingest | normalize -------------------------
grym-ingest -q long.wav short.wav >refs.bin 2>err.txt
ok "ingest a long and a short file" test -s refs.bin
rm -f in.fifo; mkfifo in.fifo
grym-normalize --lufs -20 <in.fifo >out/norm.bin 2>err.txt &
pid=$!
exec 3>in.fifo
cat refs.bin >&3
exec 3>&- # the records are read; the long asset is normalized meanwhile
if wait_tmp $pid "$TMPDIR"; then kill -INT $pid; else echo "# no grym-norm temporary seen"; fi
wait $pid
st=$?
exec 3>&- 2>/dev/null
is "$st" 130 "catalog normalize, SIGINT mid-asset: 130"
is "$(leftovers "$TMPDIR" out "$GRYM_CATALOG/tmp")" "" "no grym-norm temporary left, none in the store"
ok "fsck is clean" grym-catalog fsck

# -j 2: the workers see the signal too; the long asset stops mid-way and
# leaves no temporary and no catalog row (another loudness: not reused)
long_id=$(grym-ingest -q --text long.wav 2>/dev/null | cut -f1)
rm -f in.fifo; mkfifo in.fifo
grym-normalize -j 2 --lufs -18 <in.fifo >out/norm.bin 2>err.txt &
pid=$!
exec 3>in.fifo
cat refs.bin >&3
exec 3>&-
if wait_tmp $pid "$TMPDIR"; then kill -INT $pid; else echo "# no grym-norm temporary seen"; fi
wait $pid
st=$?
is "$st" 130 "catalog normalize -j 2, SIGINT mid-asset: 130"
is "$(leftovers "$TMPDIR" out "$GRYM_CATALOG/tmp")" "" "-j 2: no grym-norm temporary left, none in the store"
is "$(grym-catalog ls --parent "$long_id" --ids)" "" "-j 2: no derived asset of the long file in the catalog"
ok "-j 2: fsck is clean" grym-catalog fsck

# --- records programs blocked on a pipe -------------------------------
for p in "HUP 129 grym-train -o out/m.model"; do
	set -- $p
	sig=$1 want=$2; shift 2
	rm -f in.fifo; mkfifo in.fifo
	"$@" <in.fifo >out/stdout 2>err.txt &
	pid=$!
	exec 3>in.fifo
	printf '#a\t{"kind":"vector","cols":1,"labels":["x"]}\na\t1\n' >&3
	sleep 0.3 # not needed for correctness: the reader blocks until 3 closes
	kill -$sig $pid
	wait $pid
	st=$?
	exec 3>&-
	is "$st" "$want" "$1 $2 blocked on a pipe, SIG$sig: $want"
	is "$(leftovers "$TMPDIR" out)" "" "$1: no temporary left"
done
check "grym-train: no model written" test ! -e out/m.model

# --- SIGKILL: unnamed temporaries leave nothing ------------------------
run_fifo KILL 137 "grym-normalize spooling stdin, SIGKILL" grym-normalize -t flac
run_fifo KILL 137 "grym-features -o f.rec, SIGKILL" grym-features --summary -o out/f.rec
is "$(cat out/f.rec)" "old" "SIGKILL: the old f.rec is untouched"

# --- catalog normalize and grym-infer replay: unnamed temporaries -----
# grym-norm (a derived asset before it goes into the store) and
# grym-replay (a model's normalize stage) are unnamed: kill -9 mid-run
# leaves nothing in TMPDIR. Another loudness than above: not reused.
rm -f in.fifo; mkfifo in.fifo
grym-normalize --lufs -21 <in.fifo >out/norm.bin 2>err.txt &
pid=$!
exec 3>in.fifo
cat refs.bin >&3
exec 3>&-
if wait_tmp $pid "$TMPDIR"; then kill -KILL $pid; else echo "# no grym-norm temporary seen"; fi
wait $pid
is "$?" 137 "catalog normalize, SIGKILL mid-asset: 137"
is "$(leftovers "$TMPDIR" out)" "" "catalog normalize, SIGKILL: no grym-norm temporary left"

ok "a tiny labelled dataset" grym-synth dataset --classes 2 --per-class 3 --seed 1 DS
# resampled to 48 kHz: replaying on long.wav takes seconds, not one
grym-ingest -q --label-from-dir DS 2>/dev/null | grym-normalize --lufs -23 --rate 48000 2>/dev/null |
	grym-features --features rms --summary 2>/dev/null |
	grym-train --model logreg --seed 1 -o m.model >/dev/null 2>err.txt
check "a tiny model with a normalize stage to replay" test -s m.model
for p in "INT 130" "KILL 137"; do
	set -- $p
	sig=$1 want=$2
	grym-infer -m m.model long.wav >out/infer.tsv 2>err.txt &
	pid=$!
	if wait_tmp $pid "$TMPDIR"; then kill -$sig $pid; else echo "# no grym-replay temporary seen"; fi
	wait $pid
	is "$?" "$want" "grym-infer on audio, SIG$sig mid-replay: $want"
	is "$(leftovers "$TMPDIR" out)" "" "grym-infer on audio, SIG$sig: no grym-replay temporary left"
	is "$(cat out/infer.tsv)" "" "grym-infer on audio, SIG$sig: no result line"
done
# -j 2: both long replays stop, and short.wav, queued behind them, is never
# started (a pool without the flag would start it, and its replay would
# say "short.wav: interrupted")
grym-infer -m m.model -j 2 long.wav long.wav short.wav >out/infer.tsv 2>err.txt &
pid=$!
if wait_tmp $pid "$TMPDIR"; then kill -INT $pid; else echo "# no grym-replay temporary seen"; fi
wait $pid
is "$?" 130 "grym-infer -j 2 on audio, SIGINT mid-replay: 130"
is "$(leftovers "$TMPDIR" out)" "" "grym-infer -j 2, SIGINT: no grym-replay temporary left"
is "$(cat out/infer.tsv)" "" "grym-infer -j 2, SIGINT: no result line"
is "$(grep -c short.wav err.txt)" 0 "grym-infer -j 2, SIGINT: the file queued behind is never started"

done_testing
