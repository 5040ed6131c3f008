# scripts/bench/lib.sh — what every scripts/bench/* shares: timing a grym
# command and its peer on the same input in the same run, medians, one
# table of results, and the pass/fail decision per goal.
#
# The machine may be shared and noisy, so goals are ratios, never absolute
# times: each benchmark runs grym and its peer BENCH_RUNS times (default 3),
# alternating which goes first, and compares the median wall times:
#
#   ratio = median peer seconds / median grym seconds   (higher: grym faster)
#
# A goal is a minimum ratio: "3x faster than the peer" is 3, "at most 1.3x
# the peer's time" is 1/1.3 = 0.77.
#
#   . "$(dirname "$0")/lib.sh"
#   bench_init NAME MB        scratch directory $work (removed on exit) on a
#                             file system with at least MB megabytes free;
#                             cd there. PATH gets $GRYM_BUILD/bin first.
#   bench_pair NAME MIN GOAL GRYM_CMD PEER_CMD [PREP_CMD]
#                             time both shell commands (run by sh -c in
#                             $work, stdout discarded); PREP_CMD runs untimed
#                             before each of them (say, removing a catalog).
#                             Sets $bench_grym_s and $bench_grym_cpu, grym's
#                             median wall and CPU seconds, and $bench_grym_kb,
#                             its peak RSS ("" after a failure), and
#                             $bench_load, the row's load.
#   bench_solo NAME SECONDS MIN GOAL GRYM_CMD
#                             time grym alone against a fixed number of
#                             seconds in the peer column: the real-time
#                             factor when SECONDS is the audio's duration
#   bench_row NAME GRYM_S PEER_S MIN GOAL GRYM_KB PEER_KB LOAD [STATUS [GRYM_CPU PEER_CPU]]
#                             add a row measured some other way
#   bench_finish              print this script's rows when run alone; exit
#                             status 1 when a goal was missed or a run failed
# A script that stops on an error (set -e) before bench_finish leaves an
# ERROR row naming it, so a broken benchmark never reads as a pass.
#   bench_report FILE         print a table file; status 1 when a row failed
#
# Times are wall seconds (date +%s%N around the run) and CPU seconds (user
# + system of the command and its children, /usr/bin/time). A timed command
# that writes "WALL [CPU]" seconds to the file named by $BENCH_TIME_FILE is
# timed by those numbers instead: an in-process measurement for peers whose
# interpreter start-up is not part of the work (scikit-learn). Peak RSS is
# /usr/bin/time's %M: the largest resident set of the command or of any
# process it waited for.
#
# Rows go to $BENCH_TABLE (tab-separated: name, grym s, peer s, ratio,
# minimum, goal text, grym peak KB, peer peak KB, load, status, CPU-time
# ratio; status is pass, MISS, ERROR or info for a row without goal) when set, as
# `make bench` does to gather all scripts in one table; otherwise to a file
# in $work that bench_finish prints. Load is the highest one-minute load
# average (/proc/loadavg) seen before each timed run of the row.
#
# Environment: GRYM_BUILD (default build), BENCH_RUNS (default 3),
# BENCH_TABLE, TMPDIR.

bench_init() {
	bench_name=$1
	_need_mb=$2
	bench_top=$(cd "$(dirname "$0")/../.." && pwd)
	_build=${GRYM_BUILD:-build}
	case $_build in /*) ;; *) _build=$bench_top/$_build ;; esac
	export PATH="$_build/bin:$PATH" LC_ALL=C
	bench_runs=${BENCH_RUNS:-3}
	bench_failed=0
	_alone=1 _table='' work=''
	if [ -n "${BENCH_TABLE:-}" ]; then
		_alone=0 _table=$BENCH_TABLE
	fi
	trap '_bench_exit $?' EXIT
	trap 'exit 130' INT TERM
	_tmpdir=${TMPDIR:-/tmp}
	_free_mb=$(df -Pk "$_tmpdir" | awk 'NR == 2 { printf "%d", $4 / 1024 }')
	if [ "$_free_mb" -lt "$_need_mb" ]; then
		echo "bench $bench_name: $_tmpdir has ${_free_mb} MB free, needs $_need_mb MB; set TMPDIR to a larger file system" >&2
		exit 1
	fi
	work=$(mktemp -d "$_tmpdir/grym-bench-$bench_name.XXXXXX")
	[ -n "$_table" ] || _table=$work/.table
	: >>"$_table"
	cd "$work" || exit 1
	echo "bench $bench_name: $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1-3 /proc/loadavg), in $work" >&2
}

# _bench_exit STATUS: on the way out, a script that stops on an error
# before it could add a failing row (input generation failed, disk short,
# a peer tool missing) leaves one, so the table shows it; then the scratch
# directory goes.
_bench_exit() {
	if [ "$1" != 0 ] && [ "$bench_failed" = 0 ] && [ -n "$_table" ]; then
		printf '%s\t-\t-\t-\t-\t-\t-\t-\t-\tERROR\t-\n' \
			"$bench_name: stopped early (exit $1), see its messages" >>"$_table"
	fi
	if [ -n "$work" ]; then
		cd / && rm -rf "$work"
	fi
}

# _bench_load: the highest one-minute load so far in this row
_bench_load() {
	bench_load=$(awk -v m="$bench_load" '{ print ($1 > m ? $1 : m) }' /proc/loadavg)
}

# _bench_once WHO CMD: run CMD once; append its wall seconds to
# $work/.WHO.s, its CPU seconds (user + system, children included) to
# $work/.WHO.cpu and its peak RSS (KB) to $work/.WHO.kb; status of CMD (its
# stderr is kept in $work/.WHO.err).
_bench_once() {
	_bench_load
	rm -f "$work/.self"
	_t0=$(date +%s%N)
	if BENCH_TIME_FILE=$work/.self /usr/bin/time -f '%M %U %S' -o "$work/.rss" \
		sh -c "$2" >/dev/null 2>"$work/.$1.err"; then
		_rc=0
	else
		_rc=$?
	fi
	_t1=$(date +%s%N)
	[ $_rc = 0 ] || return $_rc
	# time(1) writes "Command exited..." first when the command fails
	_m=$(tail -n 1 "$work/.rss")
	echo "${_m%% *}" >>"$work/.$1.kb"
	if [ -s "$work/.self" ]; then
		awk 'NR == 1 { print $1 > w; print ($2 != "" ? $2 : $1) > c }' \
			w="$work/.$1.s.1" c="$work/.$1.cpu.1" "$work/.self"
		cat "$work/.$1.s.1" >>"$work/.$1.s"
		cat "$work/.$1.cpu.1" >>"$work/.$1.cpu"
	else
		awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.4f\n", (b - a) / 1e9 }' >>"$work/.$1.s"
		echo "$_m" | awk '{ printf "%.2f\n", $2 + $3 }' >>"$work/.$1.cpu"
	fi
}

# _bench_median FILE: median of the numbers in FILE, one a line
_bench_median() {
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		if (NR % 2) printf "%.4f", v[(NR + 1) / 2]
		else printf "%.4f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# _bench_max FILE: the largest number in FILE, "-" when there is none
_bench_max() { if [ -s "$1" ]; then sort -g "$1" | tail -n 1; else echo -; fi; }

# shellcheck disable=SC2034 # bench_grym_* are for the scripts sourcing this
bench_pair() {
	_name=$1 _min=$2 _goal=$3 _gcmd=$4 _pcmd=$5 _prep=${6:-}
	rm -f "$work"/.grym.* "$work"/.peer.*
	bench_load=0
	bench_grym_s='' bench_grym_cpu='' bench_grym_kb=''
	echo "bench $bench_name: $_name ($bench_runs runs each)" >&2
	_i=1
	while [ $_i -le "$bench_runs" ]; do
		# alternate who goes first, so neither always finds a warmer machine
		if [ $((_i % 2)) = 1 ]; then _order="grym peer"; else _order="peer grym"; fi
		for _who in $_order; do
			if [ "$_who" = grym ]; then _cmd=$_gcmd; else _cmd=$_pcmd; fi
			[ -z "$_prep" ] || sh -c "$_prep" || {
				echo "bench $bench_name: $_name: preparation failed: $_prep" >&2
				bench_row "$_name" - - "$_min" "$_goal" - - "$bench_load" ERROR
				return 0
			}
			if ! _bench_once "$_who" "$_cmd"; then
				echo "bench $bench_name: $_name: $_who command failed (exit $_rc): $_cmd" >&2
				tail -n 5 "$work/.$_who.err" | sed 's/^/    /' >&2
				bench_row "$_name" - - "$_min" "$_goal" - - "$bench_load" ERROR
				return 0
			fi
		done
		_i=$((_i + 1))
	done
	bench_grym_s=$(_bench_median "$work/.grym.s")
	bench_grym_cpu=$(_bench_median "$work/.grym.cpu")
	bench_grym_kb=$(_bench_max "$work/.grym.kb")
	bench_row "$_name" "$bench_grym_s" "$(_bench_median "$work/.peer.s")" "$_min" "$_goal" \
		"$(_bench_max "$work/.grym.kb")" "$(_bench_max "$work/.peer.kb")" "$bench_load" "" \
		"$(_bench_median "$work/.grym.cpu")" "$(_bench_median "$work/.peer.cpu")"
}

bench_solo() {
	rm -f "$work"/.grym.* "$work"/.peer.*
	bench_load=0
	bench_grym_s=
	echo "bench $bench_name: $1 ($bench_runs runs)" >&2
	_i=1
	while [ $_i -le "$bench_runs" ]; do
		if ! _bench_once grym "$5"; then
			echo "bench $bench_name: $1: grym command failed (exit $_rc): $5" >&2
			tail -n 5 "$work/.grym.err" | sed 's/^/    /' >&2
			bench_row "$1" - "$2" "$3" "$4" - - "$bench_load" ERROR
			return 0
		fi
		_i=$((_i + 1))
	done
	bench_grym_s=$(_bench_median "$work/.grym.s")
	bench_row "$1" "$bench_grym_s" "$2" "$3" "$4" "$(_bench_max "$work/.grym.kb")" - \
		"$bench_load" "" "$(_bench_median "$work/.grym.cpu")" "$2"
}

# bench_row NAME GRYM_S PEER_S MIN GOAL GRYM_KB PEER_KB LOAD [STATUS [GRYM_CPU PEER_CPU]]:
# STATUS is computed from the ratio unless given (ERROR); MIN "-" is a row
# for information, with no goal. The CPU-time ratio (last field) is shown
# beside the wall-time one: on a busy machine it is the steadier of the two
# and tells a slow run from slow code, but the goal is judged on wall time.
bench_row() {
	_row=$(awk -v n="$1" -v g="$2" -v p="$3" -v m="$4" -v gt="$5" -v gk="$6" -v pk="$7" \
		-v l="$8" -v st="${9:-}" -v gc="${10:-}" -v pc="${11:-}" 'BEGIN {
		r = "-"; cr = "-"
		if (st == "") {
			if (g + 0 > 0 && p + 0 > 0) {
				r = sprintf("%.2f", p / g)
				st = (m == "-") ? "info" : (p / g >= m + 0 ? "pass" : "MISS")
			} else st = "ERROR"
		}
		if (gc + 0 > 0 && pc + 0 > 0) cr = sprintf("%.2f", pc / gc)
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n, g, p, r, m, gt, gk, pk, l, st, cr }')
	printf '%s\n' "$_row" >>"$_table"
	case $_row in *"	MISS	"*|*"	ERROR	"*) bench_failed=1 ;; esac
	printf '%s\n' "$_row" | bench_format >&2
}

_bench_fmt='%-44s %8s %8s %8s %8s  %-22s %9s %5s  %s\n'

# bench_format: table rows on stdin, aligned columns on stdout
bench_format() {
	awk -F '\t' -v f="$_bench_fmt" '
	function mb(kb) { return kb ~ /^[0-9]+$/ ? sprintf("%.0f", kb / 1024) : "-" }
	function sec(s) { return s ~ /^[0-9.]+$/ ? sprintf("%.2f", s) : s }
	function x(r) { return r == "-" || r == "" ? "-" : r "x" }
	{ printf f, $1, sec($2), sec($3), x($4), x($11), $6, mb($7) "/" mb($8), $9, $10 }'
}

bench_report() {
	# shellcheck disable=SC2059 # one format for the header and the rows
	printf "$_bench_fmt" benchmark "grym s" "peer s" ratio "cpu" "goal (ratio)" "RSS MB" load result
	bench_format <"$1"
	awk -F '\t' '$10 == "MISS" || $10 == "ERROR" { bad++ } END {
		printf "ratio = median peer wall time / median grym wall time, %s runs each (higher: grym faster; CPU time where the name says so); goals are judged on it.\n", runs
		printf "cpu = the same ratio of CPU times (user + system); RSS = peak resident MB, grym/peer; load = highest 1-min load average during the row; %s cores; load now %s.\n", cores, now
		if (bad) { printf "%d benchmark(s) missed their goal or failed\n", bad; exit 1 }
		print "every goal met" }' runs="${BENCH_RUNS:-3}" cores="$(getconf _NPROCESSORS_ONLN)" now="$(cut -d' ' -f1-3 /proc/loadavg)" "$1"
}

bench_finish() {
	if [ "$_alone" = 1 ]; then
		bench_report "$_table" || :
	fi
	exit "$bench_failed"
}
