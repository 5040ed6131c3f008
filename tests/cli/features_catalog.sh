#!/bin/sh
# features_catalog.sh — grym-features in catalog mode: ids in, features
# stored under their recipe, answered from the catalog the second time,
# labels carried to the output.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 19

need_fixtures

cp "$FIX/tone440.wav" tone.wav
cp "$FIX/chirp.wav" chirp.wav
ok "ingest two files" grym-ingest -l demo -o refs.bin tone.wav chirp.wav
tone_id=$(grym-ingest --text tone.wav 2>/dev/null | cut -f1)

grym-features --summary --text < refs.bin > first.txt 2> first.err
is "$(grep -c '^#' first.txt)" 2 "one summary vector per asset"
is "$(sed -n 1p first.txt | cut -f1)" "#$tone_id" "keyed by the asset id"
like "$(sed -n 1p first.txt)" '"labels":\["demo"\]' "labels carried from the catalog records"
like "$(sed -n 1p first.txt)" '"stage":"features","features":\["mfcc"\]' "features stage appended to the pipeline"
grym-features --summary --text tone.wav > filter.txt
same "$(sed -n 2p first.txt | cut -f2-)" "$(sed -n 2p filter.txt | cut -f2-)" "same numbers as filter mode on the file"
is "$(grym-catalog stats --json | grep -o '"features":[0-9]*')" '"features":2' "two feature sets stored"

grym-features -v --summary --text < refs.bin > second.txt 2> second.err
check "second run: output byte-identical" cmp -s first.txt second.txt
is "$(grep -c 'all features from the catalog' second.err)" 2 "second run answered from the catalog"
is "$(grym-catalog stats --json | grep -o '"features":[0-9]*')" '"features":2' "nothing stored twice"

grym-features -v --recompute --summary --text < refs.bin > third.txt 2> third.err
check "--recompute gives the same numbers" cmp -s first.txt third.txt
is "$(grep -c 'from the catalog' third.err)" 0 "--recompute computes"

grym-features --n-mfcc 13 --summary --text < refs.bin > m13.txt
like "$(sed -n 1p m13.txt)" '"cols":26' "other parameters: 13 MFCCs"
is "$(grym-catalog stats --json | grep -o '"features":[0-9]*')" '"features":4' "stored under their own recipe"

grym-features --features mfcc,rms --text < refs.bin > both.txt
is "$(grep -c '^#' both.txt)" 4 "matrix records: one per asset and feature"
is "$(grym-catalog stats --json | grep -o '"features":[0-9]*')" '"features":6' "only rms was new for each asset (mfcc reused)"

grym-catalog ls --ids | grym-features --summary --text > ids.txt
same "$(grep -v '^#' ids.txt)" "$(grep -v '^#' first.txt)" "lines of ids give the same vectors as records"

echo "0000000000000000000000000000000000000000000000000000000000000000" > bad.txt
fails 1 "an unknown id fails" grym-features --summary < bad.txt
like "$(cat .err)" '^grym-features: 0000' "naming the id"

done_testing
