#!/bin/sh
# examples.sh — the example pipelines in scripts/examples work: a
# Makefile-driven dataset (re-running does nothing), a cron job (idempotent,
# silent), and a fan-out over shard catalogs merged into one.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 20
ex="$GRYM_TOP/scripts/examples"

grym-synth dataset --classes 3 --per-class 5 --seed 11 corpus

# Makefile-driven dataset
ok "make -f dataset.mk builds the model" make -f "$ex/dataset.mk" CORPUS=corpus OUT=out
check "model written" test -s out/model
like "$(cat out/report.txt)" "^accuracy +[0-9.]+" "report with cross-validated accuracy"
again=$(make -f "$ex/dataset.mk" CORPUS=corpus OUT=out 2>&1)
like "$again" "Nothing to be done|is up to date" "a second make does nothing"
cp out/model model.first
cp out/report.txt report.first
touch corpus/tone/tone-000.wav
ok "a touched clip re-runs the stages" make -f "$ex/dataset.mk" CORPUS=corpus OUT=out
check "the re-run rewrote the model" test out/model -nt model.first
check "same content, same seed: byte-identical model" cmp -s out/model model.first
same "$(cat out/report.txt)" "$(cat report.first)" "and the same report"

# cron job: scores what is in the drop folder; twice is harmless
mkdir drop
cp corpus/chirp-up/chirp-up-000.wav corpus/tone/tone-001.wav drop/
GRYM_CATALOG=$PWD/out/catalog "$ex/cron-ingest" drop out/model preds.tsv >cron.out 2>&1
is "$?" 0 "cron-ingest runs"
is "$(cat cron.out)" "" "cron-ingest is silent when all is well"
is "$(wc -l <preds.tsv | tr -d ' ')" 2 "one prediction per clip in the log"
like "$(cut -f 2 preds.tsv | sort | tr '\n' ' ')" "^chirp-up tone $" "the clips are recognised"
GRYM_CATALOG=$PWD/out/catalog "$ex/cron-ingest" drop out/model preds.tsv >cron.out 2>&1
is "$?" 0 "a second run is harmless"

# fan-out: two shards, each its own catalog, merged into one
find corpus -name '*.wav' | sort >all.list
ok "fan-out over 2 shards" "$ex/fan-out" 2 all.list merged
is "$(grym-catalog --catalog merged stats | awk '$1 == "sources" { print $2 }')" 15 "all 15 sources merged"
is "$(grym-catalog --catalog merged stats | awk '$1 == "derived" { print $2 }')" 15 "and their 15 normalized versions"
is "$(grym-catalog --catalog merged stats | awk '$1 == "features" { print $2 }')" 15 "and their stored features"
ok "merged catalog passes fsck" grym-catalog --catalog merged fsck
grym-catalog --catalog merged ls --kind derived --ids |
	grym-features --catalog merged --mfcc --summary -v >vec.grym 2>feat.err
is "$(grep -c 'all features from the catalog' feat.err)" 15 "the workers' features are read from the merged catalog, not recomputed"
like "$(grym-train --model logreg --cv 3 --seed 1 <vec.grym)" "accuracy" "train on the merged catalog's features"
done_testing
