#!/bin/sh
# null_lists.sh — `find … -print0 | grym-X -0` reads the NUL-separated
# list of files on stdin (grym-features, grym-normalize --measure), names
# holding a TAB, a newline or a backslash included; tables print such
# names escaped, one line per file.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 9

mkdir -p "d/a	b"
sox -n -r 8000 -b 16 "d/a	b/x
y.wav" synth 0.5 sine 300
sox -n -r 8000 -b 16 'd/back\slash.wav' synth 0.5 sine 400
sox -n -r 8000 -b 16 d/plain.wav synth 0.5 sine 500

find d -name '*.wav' -print0 | sort -z >list0
ok "grym-features -0 reads a NUL list on stdin" sh -c 'grym-features -0 --mfcc --summary --text <list0 >f.txt'
is "$(grep -c '^#' f.txt)" 3 "one vector per listed file"
# the exact paths come back in the records (path, or path_b64)
is "$(/usr/bin/python3 -c "
import json, base64
ps = []
for l in open('f.txt', encoding='utf-8'):
    if l.startswith('#'):
        m = json.loads(l.split('\t', 1)[1])
        ps.append(m['path'])
print(sorted(ps) == sorted(['d/a\tb/x\ny.wav', 'd/back\\\\slash.wav', 'd/plain.wav']))")" "True" \
	"each record carries its file's exact path"

ok "grym-normalize -0 --measure reads a NUL list" sh -c 'grym-normalize -0 --measure <list0 >m.txt'
is "$(wc -l <m.txt | tr -d ' ')" 4 "a header and one line per file"
is "$(sed -n 2p m.txt | sed 's/.*  //')" 'd/a\tb/x\ny.wav' "a TAB and a newline in a name are escaped in the table"
is "$(sed -n 3p m.txt | sed 's/.*  //')" 'd/back\\slash.wav' "a backslash is escaped"

printf 'd/plain.wav\0d/missing.wav\0' >bad0
fails 1 "a missing file in the list fails the run" sh -c 'grym-features -0 --mfcc --summary <bad0 >/dev/null'
like "$(cat .err)" "d/missing.wav" "and is named; the rest is still analysed"
done_testing
