#!/bin/sh
# named_text.sh — a file named on the command line is audio (or records),
# or an error naming the file: a text file called list.wav that holds a
# path is not followed as a list of inputs, and a text file's contents
# are never quoted as if they were an input name. Lists come from stdin
# (or --from-list).
. "$GRYM_TOP/tests/lib/cli.sh"

grym-synth sine --freq 440 --duration 0.5 --rate 16000 -o a.wav
grym-synth noise --duration 0.5 --rate 16000 -o b.wav
echo "$PWD/a.wav" >list.wav
echo "hello this is not audio" >hello.wav
# a model to give grym-infer
grym-ingest -q --label tone a.wav | grym-features --mfcc --summary >t.grym
grym-ingest -q --label noise b.wav | grym-features --mfcc --summary >>t.grym
grym-train --model logreg -o m.model <t.grym >/dev/null 2>&1
check "a model for grym-infer" test -s m.model

for prog in "grym-ingest -q" "grym-normalize -o out.wav" "grym-normalize --measure" \
	    "grym-features --mfcc --summary" "grym-train --model logreg" "grym-infer -m m.model"; do
	for f in list.wav hello.wav; do
		fails 1 "$prog $f: exit 1" $prog $f
		like "$(cat .err)" ": $f: not audio \(text file\)" "$prog $f: names the file, says text"
		check "$prog $f: the contents are not quoted" sh -c '! grep -q "hello this\|/a.wav" .err'
		check "$prog $f: a.wav (listed inside) not processed" sh -c '! grep -q "a\.wav\|^#a" .out'
	done
done
check "grym-normalize wrote nothing" test ! -e out.wav

# stdin lists and named record files still work
is "$(echo "$PWD/a.wav" | grym-features --mfcc --summary --text | grep -c '^#a')" 1 \
	"a list on stdin is a list"
is "$(grym-ingest -q --from-list list.wav --text | grep -c 'a\.wav')" 1 "--from-list reads a list"
{ grym-ingest -q --label tone a.wav | grym-features --mfcc --summary --text
  grym-ingest -q --label noise b.wav | grym-features --mfcc --summary --text; } >t.txt
ok "a named text-records file is records (grym-train)" grym-train --model logreg t.txt
is "$(grym-infer -m m.model t.txt | wc -l | tr -d ' ')" 2 "and grym-infer reads it"
done_testing
