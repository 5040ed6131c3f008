#!/bin/sh
# bench_lib.sh — scripts/bench/lib.sh, the timing and pass/fail logic of
# `make bench`, on fake commands whose "times" are fixed: each fake writes
# the next number of its list to $BENCH_TIME_FILE, which the library takes
# instead of the wall time. So medians, ratios and the exit status are
# checked exactly, without running a real (slow, noisy) benchmark.
. "$GRYM_TOP/tests/lib/cli.sh"
lib=$GRYM_TOP/scripts/bench/lib.sh
export TMPDIR=$PWD BENCH_RUNS=3

# fake LIST: pop the first line of LIST into $BENCH_TIME_FILE
cat >fake <<'EOF'
#!/bin/sh
head -n 1 "$1" >"$BENCH_TIME_FILE"
sed -i 1d "$1"
EOF
chmod +x fake

# bench NAME SCRIPT: run SCRIPT after sourcing lib.sh in a fresh shell
# whose $0 sits two directories under the top (as scripts/bench/* do);
# rows go to NAME.table, its stderr to NAME.err
bench() {
	_t=$PWD/$1.table
	rm -f "$_t"
	BENCH_TABLE=$_t sh -c ". '$lib'; $2" "$GRYM_TOP/scripts/bench/x" 2>"$1.err"
}
field() { awk -F '\t' -v r="$2" -v c="$3" 'NR == r { print $c }' "$1.table"; }

# median of grym 1, 5, 2 is 2; of peer 6, 100, 6 is 6; ratio 3 meets 3
printf '1\n5\n2\n' >g1; printf '6\n100\n6\n' >p1
ok "a ratio of medians that meets its goal exits 0" \
	bench pass "bench_init t 1; bench_pair 'fake 3x' 3 '>=3x' '$PWD/fake $PWD/g1' '$PWD/fake $PWD/p1'; bench_finish"
is "$(field pass 1 2) $(field pass 1 3) $(field pass 1 4)" "2.0000 6.0000 3.00" \
	"grym and peer medians and their ratio are in the row"
is "$(field pass 1 10)" pass "the row says pass"
like "$(field pass 1 7)" '^[0-9]+$' "peak RSS in KB is recorded"
like "$(field pass 1 9)" '^[0-9.]+$' "the load is recorded"
is "$(cat g1 p1 | wc -l | tr -d ' ')" 0 "each command ran BENCH_RUNS times"

# a miss (ratio 2.9 < 3) fails the script, but the next benchmark still runs
printf '1\n1\n1\n' >g2; printf '2.9\n2.9\n2.9\n' >p2
printf '1\n1\n1\n' >g3; printf '9\n9\n9\n' >p3
fails 1 "a missed goal makes the script exit 1" \
	bench miss "bench_init t 1
		bench_pair 'slow' 3 '>=3x' '$PWD/fake $PWD/g2' '$PWD/fake $PWD/p2'
		bench_pair 'fast' 3 '>=3x' '$PWD/fake $PWD/g3' '$PWD/fake $PWD/p3'
		bench_finish"
is "$(field miss 1 10) $(field miss 2 10)" "MISS pass" "the miss is marked and the next row still ran"
fails 1 "the report of a table with a miss exits 1" sh -c ". '$lib'; bench_report miss.table"
like "$(cat .out)" '1 benchmark\(s\) missed' "the report counts the misses"
like "$(cat .out)" '^slow .* 2\.90x .* MISS$' "the report prints the missed row with its ratio"
ok "the report of a table without misses exits 0" sh -c ". '$lib'; bench_report pass.table"
like "$(cat .out)" 'every goal met' "the report says so"

# a ratio below 1 meets a goal below 1 (grym at most 1.3x the peer's time)
printf '1.2\n1.2\n1.2\n' >g4; printf '1\n1\n1\n' >p4
ok "a goal under 1 is met by a slower grym within it" \
	bench under "bench_init t 1; bench_pair 'ingest' 0.77 '<=1.3x time' '$PWD/fake $PWD/g4' '$PWD/fake $PWD/p4'; bench_finish"
is "$(field under 1 4)" 0.83 "ratio 1/1.2"

# a failing command is an error row, and the script goes on and fails
printf '1\n1\n1\n' >g5; printf '1\n1\n1\n' >p5
fails 1 "a failing grym command makes the script exit 1" \
	bench err "bench_init t 1
		bench_pair 'broken' 3 '>=3x' 'echo boom >&2; exit 3' '$PWD/fake $PWD/p5'
		bench_pair 'info' - '-' '$PWD/fake $PWD/g5' '$PWD/fake $PWD/p5'
		bench_finish"
is "$(field err 1 10)" ERROR "the row is an error"
like "$(cat err.err)" 'grym command failed \(exit 3\)' "the error names the failing side and its status"
like "$(cat err.err)" boom "and shows its stderr"
is "$(field err 2 10)" info "a row without a goal is information only and the run went on"

# a row measured otherwise (real-time factor: audio seconds as the peer)
ok "bench_row takes a measured row" \
	bench row "bench_init t 1; bench_row 'realtime' 2 3600 1000 '>=1000x' 10 - 0.5; bench_finish"
is "$(field row 1 4) $(field row 1 10)" "1800.00 pass" "its ratio and status are computed"

# a command may report CPU seconds after its wall seconds; the CPU ratio
# is shown but the goal is judged on wall time
printf '1 4\n1 4\n1 4\n' >g6; printf '3 2\n3 2\n3 2\n' >p6
ok "wall seconds decide, CPU seconds are shown" \
	bench cpu "bench_init t 1; bench_pair 'cpu' 3 '>=3x' '$PWD/fake $PWD/g6' '$PWD/fake $PWD/p6'; bench_finish"
is "$(field cpu 1 4) $(field cpu 1 11) $(field cpu 1 10)" "3.00 0.50 pass" "wall ratio 3, CPU ratio 0.5"

# grym alone against a fixed duration: the real-time factor
printf '3\n2\n9\n' >g7
ok "bench_solo judges grym against a fixed number of seconds" \
	bench solo "bench_init t 1; bench_solo 'rtf' 3600 1000 '>=1000x' '$PWD/fake $PWD/g7'; bench_finish"
is "$(field solo 1 2) $(field solo 1 4) $(field solo 1 10)" "3.0000 1200.00 pass" "median 3 s of 3600 s: 1200x"
fails 1 "bench_solo's command failing is an error" \
	bench solo2 "bench_init t 1; bench_solo 'rtf' 3600 1000 '>=1000x' 'exit 2'; bench_finish"
is "$(field solo2 1 10)" ERROR "the row is an error"

# not enough disk: a message and no run
fails 1 "bench_init stops when the disk is short" \
	bench disk "bench_init t 999999999; echo ran"
like "$(cat disk.err)" 'needs 999999999 MB' "the message says how much is needed"
is "$(field disk 1 1) $(field disk 1 10)" "t: stopped early (exit 1), see its messages ERROR" \
	"and the table has an error row for it"

# a script that stops on an error (say, generating its input) leaves an
# error row, so `make bench` cannot end with "every goal met"
printf '1\n1\n1\n' >g9; printf '9\n9\n9\n' >p9
fails 3 "a script that stops early exits with its status" \
	bench early "set -e; bench_init t 1
		bench_pair 'fine' 3 '>=3x' '$PWD/fake $PWD/g9' '$PWD/fake $PWD/p9'
		sh -c 'exit 3'
		bench_finish"
is "$(field early 1 10) $(field early 2 10)" "pass ERROR" "its rows so far and an error row are in the table"
fails 1 "the report of that table exits 1" sh -c ". '$lib'; bench_report early.table"

# the scratch directory is removed at the end
is "$(ls -d grym-bench-* 2>/dev/null | wc -l | tr -d ' ')" 0 "no scratch directory is left behind"

# the Makefile's bench target is not part of check
check "make check does not run the benchmarks" \
	sh -c "! awk '/^check:/,/^\$/' '$GRYM_TOP/Makefile' | grep -q bench"
done_testing
