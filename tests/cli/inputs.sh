#!/bin/sh
# inputs.sh — one input layer for every program (grym(7), INPUTS), through
# real pipes: files and directories as operands, lists of paths on stdin
# (`ls |`, `find -print0 |`, CRLF), names holding a TAB, a newline or
# bytes that are not UTF-8, a missing file in the middle of a batch, ids
# staying ids; and batch normalization into --outdir.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 68

mkdir -p d/sub
sox -n -r 16000 d/a.wav synth 1 sine 440
sox -n -r 16000 d/sub/b.wav synth 1 sine 660 vol 0.5
sox -n -r 16000 "d/ta	b.wav" synth 1 sine 550 vol 0.25
TAB=$(printf '\t')
LAT=$(printf 'caf\351.wav')
NL='n/x
y.wav'
mkdir -p n && sox -n -r 16000 "$NL" synth 0.5 sine 300
sox -n -r 16000 "$LAT" synth 0.5 sine 350
lufs() { grym-normalize --measure --json "$1" | jq .integrated_lufs; }

# --- the reproduction of the issue, line by line ---------------------
ok "ls d/*.wav | grym-ingest -l x" sh -c 'ls d/*.wav | grym-ingest -l x --text >ing.txt'
is "$(cut -f 2 ing.txt | tr '\n' '|')" "d/a.wav|d/ta b.wav|" "both files ingested, the TAB name whole"
ok "find -print0 | grym-ingest -0 (no --from-list)" \
	sh -c 'find d -name "*.wav" -print0 | sort -z | grym-ingest -0 -l y --text >ing0.txt'
is "$(wc -l <ing0.txt | tr -d ' ')" 3 "three files, the one in a subfolder too"
ok "--from-list - still works" sh -c 'ls d/*.wav | grym-ingest --from-list - --text >/dev/null'

ok "ls d/*.wav | grym-normalize: a batch" sh -c 'ls d/*.wav | grym-normalize >n.out'
is "$(wc -c <n.out | tr -d ' ')" 0 "nothing on stdout"
is "$(find normalized -type f | sort | tr '\n' '|')" "normalized/a.wav|normalized/ta�b.wav|" \
	"into normalized/, one file per input (a TAB in a name becomes U+FFFD)"
near "$(lufs normalized/a.wav)" -23 0.1 "normalized to -23 LUFS"
near "$(lufs "normalized/ta�b.wav")" -23 0.1 "the TAB-named one too"
rm -rf normalized
ok "grym-normalize a.wav sub/b.wav" grym-normalize d/a.wav d/sub/b.wav
check "the tree below the common folder is kept" test -f normalized/a.wav -a -f normalized/sub/b.wav
near "$(lufs normalized/sub/b.wav)" -23 0.1 "sub/b.wav at -23 LUFS"

ok "grym-features --summary d/" sh -c 'grym-features --summary --text d/ >f.txt'
is "$(grep '^#' f.txt | cut -f 1 | tr '\n' '|')" "#a|#b|#ta�b|" "a directory: its three files, in order"
ok "grym-normalize --measure d" sh -c 'grym-normalize --measure d >m.txt'
is "$(sed 1d m.txt | sed 's/.*  //' | tr '\n' '|')" 'd/a.wav|d/sub/b.wav|d/ta\tb.wav|' \
	"one line per file of the directory"
near "$(sed -n 3p m.txt | awk '{ print $1 }')" "$(lufs d/sub/b.wav)" 0.005 "the numbers of the file itself"
ok "ls | grym-normalize --measure" sh -c 'ls d/*.wav | grym-normalize --measure >m2.txt'
is "$(sed 1d m2.txt | sed 's/.*  //' | tr '\n' '|')" 'd/a.wav|d/ta\tb.wav|' "a list on stdin is measured"
ok "a TAB name in a newline list" sh -c "printf 'd/ta\tb.wav\n' | grym-features --summary --text >t.txt"
is "$(grep '^#' t.txt | jq -R 'split("\t")[1] | fromjson | .path' 2>/dev/null)" '"d/ta\tb.wav"' \
	"the whole line named the file"

# --- names: newline, not UTF-8, CRLF --------------------------------------
ok "a newline in a name, in a -0 list" sh -c "printf 'n/x\ny.wav\0' | grym-features -0 --summary --text >nl.txt"
is "$(grep '^#' nl.txt | cut -f 2- | jq -r .path)" "$NL" "its exact path comes back"
ok "a name that is not UTF-8, as an operand" sh -c "grym-features --summary --text '$LAT' >lat.txt"
is "$(grep '^#' lat.txt | cut -f 2- | jq -r .path_b64 | base64 -d)" "$LAT" "path_b64 holds its bytes"
ok "... and in a -0 list" sh -c "printf '%s\0' '$LAT' | grym-normalize -0 --measure >latm.txt"
is "$(sed 1d latm.txt | wc -l | tr -d ' ')" 1 "measured"
ok "... and in a newline list" sh -c "printf '%s\n' '$LAT' | grym-features --summary >/dev/null"
ok "a CRLF list" sh -c "printf 'd/a.wav\r\nd/sub/b.wav\r\n' | grym-features --summary --text >crlf.txt"
is "$(grep -c '^#' crlf.txt)" 2 "CR is not part of the names"

# --- errors per item -------------------------------------------------------
printf 'd/a.wav\nd/missing.wav\nd/sub/b.wav\n' >list
fails 1 "a missing file in the middle of a list (batch normalize)" \
	sh -c 'grym-normalize --outdir o3 <list'
like "$(cat .err)" "^grym-normalize: d/missing.wav: No such file or directory$" "named, once"
check "the others were normalized" test -f o3/a.wav -a -f o3/sub/b.wav
fails 1 "the same for grym-features" sh -c 'grym-features --summary --text <list >ml.txt'
is "$(grep -c '^#' ml.txt)" 2 "the rest analysed"
mkdir -p empty
fails 1 "an empty directory" grym-features --summary empty
like "$(cat .err)" "^grym-features: empty: no audio files in this directory" "is an error naming it"
fails 1 "stdin named twice" sh -c 'grym-features --summary - - <d/a.wav >/dev/null'
like "$(cat .err)" "standard input was already read" "the second is refused"

# --- ids stay ids ----------------------------------------------------------
ok "grym-catalog ls --ids | grym-features" \
	sh -c 'grym-catalog ls --ids | grym-features --summary --text >ids.txt'
is "$(grep '^#' ids.txt | cut -f 1 | grep -cvE '^#[0-9a-f]{64}$')" 0 "keys are asset ids"
is "$(grep -c '^#' ids.txt)" 3 "one per asset"
rm -rf normalized
ok "grym-ingest | grym-normalize: catalog mode" \
	sh -c 'grym-ingest -q d/a.wav | grym-normalize --text >cat.txt'
like "$(cut -f 2- cat.txt)" '"parent":"[0-9a-f]{64}"' "a derived asset, as before"
check "and no batch folder" test ! -e normalized

# --- batch normalization ---------------------------------------------------
ok "ls | grym-normalize --outdir o --lufs -20" sh -c 'ls d/*.wav d/sub/*.wav | grym-normalize --outdir o --lufs -20'
near "$(lufs o/a.wav)" -20 0.1 "o/a.wav at -20 LUFS"
near "$(lufs o/sub/b.wav)" -20 0.1 "o/sub/b.wav at -20 LUFS"
fails 1 "an existing output is not overwritten" sh -c 'ls d/a.wav | grym-normalize --outdir o --lufs -18'
like "$(cat .err)" "o/a.wav exists: not overwritten \(--force replaces it\)" "and says so"
near "$(lufs o/a.wav)" -20 0.1 "it is as it was"
ok "--force replaces it" sh -c 'ls d/a.wav | grym-normalize --outdir o --lufs -18 --force'
near "$(lufs o/a.wav)" -18 0.1 "now at -18 LUFS"
mkdir -p a b
sox -n -r 16000 a/x.wav synth 1 sine 200
sox -n -r 16000 b/x.wav synth 1 sine 900 vol 0.3
ok "a/x.wav and b/x.wav" grym-normalize --outdir same a/x.wav b/x.wav
check "two outputs" test -f same/a/x.wav -a -f same/b/x.wav
check "that differ" sh -c '! cmp -s same/a/x.wav same/b/x.wav'
near "$(lufs same/b/x.wav)" -23 0.1 "b/x.wav at -23 LUFS"
ok "-j 2 and -t flac" grym-normalize -j 2 -t flac --outdir fl d
is "$(find fl -type f | sort | tr '\n' '|')" "fl/a.flac|fl/sub/b.flac|fl/ta�b.flac|" "three FLAC files"
fails 2 "-o with several inputs" grym-normalize -o x.wav d/a.wav d/sub/b.wav
fails 2 "-o and --outdir" grym-normalize -o x.wav --outdir o d/a.wav
is "$(grym-normalize d/a.wav | head -c 4)" "RIFF" "one file alone is still a filter to stdout"

# --- directories and lists for grym-infer ---------------------------------
mkdir -p corpus/low corpus/high
for f in 1 2 3; do
	sox -n -r 16000 corpus/low/l$f.wav synth 0.5 sine $((150 + 20 * f))
	sox -n -r 16000 corpus/high/h$f.wav synth 0.5 sine $((2500 + 200 * f))
done
grym-ingest -q --label-from-dir corpus | grym-features --mfcc --summary |
	grym-train --model logreg -o m.model >/dev/null 2>&1
check "a model" test -s m.model
ok "grym-infer -m MODEL DIR" sh -c 'grym-infer -m m.model corpus >inf.txt'
is "$(cut -f 1,2 inf.txt | tr '\t\n' ' |')" \
	"corpus/high/h1.wav high|corpus/high/h2.wav high|corpus/high/h3.wav high|corpus/low/l1.wav low|corpus/low/l2.wav low|corpus/low/l3.wav low|" \
	"every file of the directory, keyed by its path"
ok "ls | grym-infer" sh -c 'ls corpus/low/*.wav | grym-infer -m m.model >inf2.txt'
is "$(cut -f 2 inf2.txt | sort -u)" "low" "a list of files on stdin"
done_testing
