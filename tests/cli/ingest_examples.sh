#!/bin/sh
# ingest_examples.sh — the EXAMPLES of grym-ingest(1) work when pasted:
# each literal block is taken from the rendered man page and run on data
# made here (corpus/ with a dog and a cat folder, dataset.zip with
# meta.csv, take1.flac, a /data stand-in).
. "$GRYM_TOP/tests/lib/cli.sh"
plan 19

mkdir -p corpus/dog corpus/cat data/sub
for i in 1 2 3 4; do
	sox -n -r 16000 -b 16 corpus/dog/d$i.wav synth 0.5 sine $((200 + 20 * i)) 2>/dev/null
	sox -n -r 16000 -b 16 corpus/cat/c$i.wav synth 0.5 sine $((2000 + 200 * i)) 2>/dev/null
done
sox -n -r 16000 -b 16 take1.flac synth 0.75 sine 440 2>/dev/null
cp take1.flac data/sub/x.flac
(cd corpus/dog && zip -q ../../dataset.zip d1.wav d2.wav)
printf 'path,label,split,speaker\nd1.wav,dog,train,ann\nd2.wav,dog,test,bob\n' >meta.csv

# The literal blocks, one command line each (continuations joined), with
# /data pointing at our stand-in.
MANWIDTH=200 mandoc -Tascii "$GRYM_TOP/man/grym-ingest.1" | col -bx |
	sed -n '/^EXAMPLES/,/^SEE ALSO/p' | grep -E '^[[:space:]]{8,}' |
	sed -e 's/^[[:space:]]*//' | awk '/\\$/ { sub(/\\$/, ""); buf = buf $0; next }
		{ print buf $0; buf = "" }' | sed "s|/data|$PWD/data|" >examples.txt
is "$(wc -l <examples.txt | tr -d ' ')" 7 "seven example command lines"
n=0
while IFS= read -r cmd; do
	n=$((n + 1))
	ok "example $n: $cmd" sh -c "$cmd" </dev/null
	cp .out example$n.out
done <examples.txt

like "$(tail -n 1 example1.out)" "^model [0-9a-f]{64}$" "pipeline trained a model"
check "the model file exists" test -s corpus.model
is "$(wc -l <ingested.tsv | tr -d ' ')" 8 "ingested.tsv: eight lines"
is "$(cut -f3 ingested.tsv | sort | uniq -c | awk '{ print $1 $2 }' | tr '\n' ' ')" "4cat 4dog " "labels from folders"
is "$(grep -c 'corpus/dog/d[1-4].wav$' example3.out)" 4 "catalog ls --label dog lists the four dog sources"
is "$(grep -c 'corpus/cat/' example3.out)" 0 "and no cat"
check "refs.grym written" test -s refs.grym
is "$(sqlite3 "$GRYM_CATALOG/catalog.db" "SELECT value FROM asset_meta WHERE key = 'speaker' ORDER BY value" | tr '\n' ' ')" \
	'"ann" "bob" ' "manifest speakers from the zip"
is "$(cut -f2 example5.out)" "$PWD/data/sub/x.flac" "find -print0 list"
is "$(cut -f3 example6.out)" "tone" "audio from a pipe"
is "$(cat example7.out)" "0.75" "probe --json | jq"
done_testing
