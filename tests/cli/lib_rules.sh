#!/bin/sh
# lib_rules.sh — lib/ is a library that several stages share in one
# process (lib/README.md): it never prints, never exits, never touches
# signals or the locale, and the global state of the libraries below it
# is only reached under its lock. Checked two ways: in the sources (with
# comments and string literals taken out first, so a comment may say
# "exit(1)") and in the built library (the C library symbols libgrym.a
# calls, which also catches what a macro or the compiler produced).
. "$GRYM_TOP/tests/lib/cli.sh"
plan 11
top=$GRYM_TOP
scratch=$PWD

# The code of C files as "file:line: code": comments out (the compiler's
# own lexer, without preprocessing; one run for every file, each behind a
# line marker naming it), string and character literals emptied.
code_of() {
	for f in "$@"; do printf '# 1 "%s"\n' "$f"; cat "$f"; done |
		cc -fpreprocessed -dD -E -x c - 2>/dev/null |
		sed -e '/^# [0-9]/b' -e 's/"\([^"\\]\|\\.\)*"/""/g' -e "s/'\\([^'\\\\]\\|\\\\.\\)*'/''/g" |
		awk '/^# [0-9]+ "/ { line = $2; file = $3; gsub(/"/, "", file); next }
		     { print file ":" line ": " $0; line++ }'
}

# Calls lib/ must not make: printing, exiting, signals, the locale.
forbidden=': .*((^|[^A-Za-z0-9_])(exit|_exit|_Exit|quick_exit|abort|atexit|signal|sigaction|raise|printf|vprintf|puts|putchar|perror|setlocale)[[:space:]]*\(|(^|[^A-Za-z0-9_])(stderr|stdout|sigaction)([^A-Za-z0-9_]|$))'
scan() { # FILE...: "file:line: code" for every forbidden call
	code_of "$@" | grep -E "$forbidden"
}

cd "$top" || exit 1
is "$(scan lib/*/*.c lib/*/*.h)" "" "lib/ sources print nothing, exit nowhere, touch no signal or locale"

# the scan sees code and only code
cat >"$scratch/planted.c" <<'EOF'
/* exit(1) in a comment, and printf("x") */
static const char *s = "puts(s) in a string";
int grym_pool_progress_cb(void);   /* a name that ends like one */
void f(void) { fprintf(stderr, "no"); }
void g(void) { exit(2); }
EOF
is "$(scan "$scratch/planted.c" | cut -d: -f2 | tr '\n' ' ')" "4 5 " \
	"the scan finds a planted fprintf(stderr) and exit(), not the comment or the string"

# the built library: no reference to these C library symbols at all
lib=$GRYM_BUILD/lib/libgrym.a
nm -u "$lib" 2>/dev/null | awk '{ print $2 }' | sort -u >"$scratch/undefined"
satisfies "$(grep -cx 'pthread_mutex_lock' "$scratch/undefined")" 'v == 1' \
	"nm lists the C library calls of libgrym.a"
bad=$(grep -xE 'exit|_exit|_Exit|quick_exit|abort|atexit|signal|sigaction|raise|printf|vprintf|puts|putchar|perror|setlocale|stderr|stdout|__printf_chk|__fprintf_chk|__vfprintf_chk|__assert_fail' \
	"$scratch/undefined" | tr '\n' ' ')
is "$bad" "" "libgrym.a calls none of exit, abort, signal, printf, puts, setlocale, stderr, assert"

# Every call into FFTW's planner (planning, destroying a plan, wisdom)
# sits between grym_fftw_plan_lock() and grym_fftw_plan_unlock() in the
# same file: the planner is FFTW's one non-thread-safe part.
outside() { # LOCK UNLOCK CALLS FILE...: calls made outside lock..unlock
	_lock=$1 _unlock=$2 _calls=$3; shift 3
	code_of "$@" | awk -v lk="$_lock" -v ul="$_unlock" -v calls="$_calls" '
		{ f = $0; sub(/:.*/, "", f); if (f != prev) held = 0; prev = f
		  c = $0; sub(/^[^:]*:[0-9]*: /, "", c) }
		c ~ lk "[ \t]*[(]" { held = 1 }
		c ~ calls && !held { print }
		c ~ ul "[ \t]*[(]" { held = 0 }'
}
planner='(^|[^A-Za-z0-9_])fftwf?_(plan_[a-z0-9_]+|destroy_plan|cleanup|forget_wisdom|import_[a-z_]+|export_[a-z_]+|plan_with_nthreads|set_timelimit)[ \t]*[(]'
fftw_files=$(grep -lE 'fftwf?_' lib/*/*.c)
satisfies "$(echo "$fftw_files" | wc -w)" 'v >= 4' "the FFTW users are found (stft, yin, tempo, synth transforms)"
is "$(outside grym_fftw_plan_lock grym_fftw_plan_unlock "$planner" $fftw_files)" "" \
	"every FFTW planner call in lib/ is made under grym_fftw_plan_lock"
cat >"$scratch/planner.c" <<'EOF'
void a(void) { grym_fftw_plan_lock(); p = fftw_plan_dft_r2c_1d(n, i, o, 0); grym_fftw_plan_unlock(); }
void b(void) { fftw_destroy_plan(p); }
EOF
is "$(outside grym_fftw_plan_lock grym_fftw_plan_unlock "$planner" "$scratch/planner.c" | wc -l)" 1 \
	"the planner check finds a planted unguarded fftw_destroy_plan"

# liblinear and libsvm: their training (and srand before it: they draw from
# the process-wide rand()) and their print hooks only under
# ml_foreign_lock (ml/foreign.c). Predicting uses neither.
foreign='(^|[^A-Za-z0-9_>.])(srand|rand|svm_train|svm_cross_validation|svm_check_parameter|svm_set_print_string_function|train|cross_validation|find_parameters|check_parameter|set_print_string_function)[ \t]*[(]'
foreign_files=$(grep -lE '#include <(libsvm/svm|linear)\.h>' lib/*/*.c)
is "$(echo $foreign_files)" "lib/ml/kind_linsvm.c lib/ml/kind_svm.c" "liblinear and libsvm are called from linsvm and svm only"
is "$(outside ml_foreign_lock ml_foreign_unlock "$foreign" $foreign_files)" "" \
	"every training call, srand and print hook of liblinear and libsvm is under ml_foreign_lock"

# FFmpeg's process-wide log level and callback: set in one place, once
is "$(grep -lE 'av_log_set_(level|callback|flags)' lib/*/*.c | tr '\n' ' ')" "lib/audio/ffmpeg_quiet.c " \
	"FFmpeg's log is set only by audio/ffmpeg_quiet.c (one pthread_once)"
# and every file that opens something of FFmpeg's silences it first
openers=$(grep -lE '(avformat_open_input|avformat_alloc_output_context2|avcodec_open2|swr_init)[ \t]*[(]' lib/*/*.c)
is "$(for f in $openers; do grep -q 'grym__ffmpeg_quiet()' "$f" || echo "$f"; done)" "" \
	"every file opening an FFmpeg demuxer, codec or resampler calls grym__ffmpeg_quiet ($(echo $openers))"

done_testing
