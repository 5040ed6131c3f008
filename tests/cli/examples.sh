#!/bin/sh
# examples.sh — the example pipelines in scripts/examples work: a
# Makefile-driven dataset (re-running does nothing), a cron job (idempotent,
# silent), and a fan-out over shard catalogs merged into one.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 45
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
# a variable change redoes what depends on it, and only that
touch -r out/features.grym feat.before
sleep 1
ok "MODEL=svm on the second run" make -f "$ex/dataset.mk" CORPUS=corpus OUT=out MODEL=svm
check "MODEL=svm rewrote the model" test out/model -nt model.first
like "$(grep -c '"svm"' out/model)" "^[1-9]" "the model is an svm now"
check "the features were not recomputed for a model change" test ! out/features.grym -nt feat.before
again=$(make -f "$ex/dataset.mk" CORPUS=corpus OUT=out MODEL=svm 2>&1)
like "$again" "Nothing to be done|is up to date" "the same variables again do nothing"
# a clip moved to another label folder keeps its time: the list notices
cp out/refs.grym refs.before
sleep 1
mv corpus/tone/tone-004.wav corpus/chirp-up/moved-tone.wav
ok "a moved clip re-runs the stages" make -f "$ex/dataset.mk" CORPUS=corpus OUT=out MODEL=svm
check "the move rebuilt the references" test out/refs.grym -nt refs.before
mv corpus/chirp-up/moved-tone.wav corpus/tone/tone-004.wav
# every audio format, not only WAV
sox corpus/tone/tone-003.wav corpus/tone/tone-flac.flac
sleep 1
ok "a FLAC clip is picked up" make -f "$ex/dataset.mk" CORPUS=corpus OUT=out MODEL=svm
like "$(grep -c 'tone-flac' out/clips.stamp)" "^1$" "the FLAC clip is in the clip list"
rm corpus/tone/tone-flac.flac

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
is "$(cat cron.out)" "" "and silent"
is "$(wc -l <preds.tsv | tr -d ' ')" 2 "a second run reports nothing again (still 2 lines)"
cp corpus/chirp-down/chirp-down-000.wav "drop/new one.wav"
GRYM_CATALOG=$PWD/out/catalog "$ex/cron-ingest" drop out/model preds.tsv >cron.out 2>&1
is "$?" 0 "a run with one new clip"
is "$(wc -l <preds.tsv | tr -d ' ')" 3 "only the new clip is reported"
printf 'not audio at all\n' >drop/broken.wav
GRYM_CATALOG=$PWD/out/catalog "$ex/cron-ingest" drop out/model preds.tsv >cron.out 2>&1
is "$?" 1 "a corrupt file fails the run that first sees it"
like "$(cat cron.out)" "broken.wav" "and is named"
GRYM_CATALOG=$PWD/out/catalog "$ex/cron-ingest" drop out/model preds.tsv >cron.out 2>&1
is "$?.$(cat cron.out)" "0." "the next tick does not mail about it again"
mkdir empty-drop
GRYM_CATALOG=$PWD/out/catalog "$ex/cron-ingest" empty-drop out/model preds2.tsv >cron.out 2>&1
is "$?.$(cat cron.out)" "0." "an empty drop folder is success, and silent"

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
# more workers than paths: the empty shards are skipped
head -n 3 all.list >three.list
ok "fan-out with 8 workers over 3 paths" "$ex/fan-out" 8 three.list few
is "$(grym-catalog --catalog few stats | awk '$1 == "sources" { print $2 }')" 3 "the 3 sources merged"
# a corrupt input fails its shard, and costs the others nothing
mkdir -p bad/tone && printf 'garbage\n' >bad/tone/broken.wav
{ head -n 4 all.list; echo bad/tone/broken.wav; } >bad.list
"$ex/fan-out" 2 bad.list withbad >fan.out 2>&1
is "$?" 1 "fan-out exits 1 when a shard failed"
like "$(cat fan.out)" "shard [0-9]+ failed" "the failed shard is reported"
like "$(cat fan.out)" "broken.wav" "with its log naming the bad input"
is "$(grym-catalog --catalog withbad stats | awk '$1 == "sources" { print $2 }')" 4 "the 4 good sources are merged all the same"
ok "the same fan-out merged again changes nothing" "$ex/fan-out" 2 three.list few
is "$(grym-catalog --catalog few stats | awk '$1 == "sources" { print $2 }')" 3 "still 3 sources"
done_testing
