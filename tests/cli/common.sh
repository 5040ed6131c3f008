#!/bin/sh
# common.sh — what every grym program shares through cmd/common and the
# build: a progress bar only when stderr is a terminal, -q silencing
# summaries, -v, -0 lists, numbers in the C locale whatever LANG says, and
# ./configure naming the Debian package of a missing library.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 16

mkdir clips
for f in 200 300 400 500 600; do
	grym-synth sine --freq $f --duration 0.3 --rate 16000 -o clips/s$f.wav
done

# Progress: drawn on a terminal (script(1) gives the program a pty),
# never into a pipe or a log file.
script -qec "grym-ingest -j 2 clips >/dev/null" /dev/null >tty.txt 2>&1
like "$(tr '\r' '\n' <tty.txt)" "ingest.*\[#+\] 5/5" "progress bar drawn when stderr is a terminal"
grym-ingest clips >/dev/null 2>log.txt
is "$(cat log.txt)" "grym-ingest: ingested 0, already known 5, failed 0" "no progress bar when stderr is a file: only the summary line"
grym-ingest -q clips >/dev/null 2>quiet.txt
is "$(cat quiet.txt)" "" "-q: no summary"

# -0: NUL-separated lists, to pair with find -print0 (a name with a space
# and a newline in it survives).
grym-synth sine --freq 700 --duration 0.3 --rate 16000 -o "clips/odd
name.wav"
find clips -name '*.wav' -print0 | grym-ingest -0 -q --from-list - >/dev/null
is "$?" 0 "-0 --from-list: every NUL-separated name opens, one holds a newline"
is "$(grym-catalog stats | awk '$1 == "sources" { print $2 }')" 6 "-0 --from-list: six assets in the catalog"

# Numbers are printed the C way even when the locale says otherwise. A
# German locale is built privately (localedef + LOCPATH) and shown to be
# active first — awk prints a decimal comma under it — so this check can
# really fail.
grym-synth sine --freq 1000 --duration 2 -o long.wav
mkdir -p loc
if localedef -i de_DE -f UTF-8 "$PWD/loc/de_DE.UTF-8" 2>/dev/null ||
   [ -d "$PWD/loc/de_DE.UTF-8" ]; then
	export LOCPATH="$PWD/loc"
	is "$(LC_ALL=de_DE.UTF-8 awk 'BEGIN { printf "%.2f", 3.5 }')" "3,50" "the German locale is active (awk prints 3,50)"
	out=$(LC_ALL=de_DE.UTF-8 grym-normalize --measure long.wav 2>/dev/null | tail -n 1)
	like "$out" "^ +-[0-9]+\.[0-9]+ +" "grym-normalize: decimal point, not comma, under it"
	out=$(LC_ALL=de_DE.UTF-8 grym-features --rms --text --duration 0.05 <long.wav | grep -v '^#' | head -n 1)
	like "$out" "^stdin	0\.[0-9]+$" "grym-features --text: decimal point under it"
	unset LOCPATH
else
	check "localedef builds de_DE.UTF-8 (Debian package locales): without it the C-locale checks cannot run" false
fi

# configure: a missing library is named with its Debian package.
mkdir conf && cd conf
PKG_CONFIG_LIBDIR=/nonexistent "$GRYM_TOP/configure" >out.txt 2>err.txt
is "$?" 1 "configure fails when libraries are missing"
like "$(cat out.txt)" "checking for sndfile\.\.\. no \(Debian package: libsndfile1-dev\)" "names the Debian package"
like "$(cat err.txt)" "apt-get install -y .*libfftw3-dev" "prints the apt-get line"
check "writes no config.mk when it fails" test ! -e config.mk
ok "configure --prefix --debug --sanitize" "$GRYM_TOP/configure" --prefix=/opt/grym --debug --sanitize
like "$(cat config.mk)" "PREFIX = /opt/grym" "--prefix recorded"
like "$(grep CFLAGS_BASE config.mk)" "-O0 -g3 .*-fsanitize=address,undefined" "--debug and --sanitize flags"
fails 2 "configure rejects an unknown option" "$GRYM_TOP/configure" --frobnicate
cd ..
done_testing
