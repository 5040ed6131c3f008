#!/bin/sh
# infer_audio.sh — grym-infer straight on audio files and on audio on
# stdin: the model's recorded recipe (normalize, features) is replayed,
# and every file must get exactly the label and probability that the
# pipeline grym-ingest | grym-normalize | grym-features | grym-infer gives
# it (matched by path); segmented models give one line per window; a
# model whose pipeline cannot be replayed fails clearly.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 47

ok "a labelled dataset (3 classes x 8)" grym-synth dataset --classes 3 --per-class 8 --seed 2 DIR
find DIR -name '*.wav' | LC_ALL=C sort >files
is "$(wc -l <files | tr -d ' ')" "24" "24 clips"
FILES=$(cat files)

grym-ingest --label-from-dir DIR 2>/dev/null | grym-normalize --lufs -23 --rate 16000 --mono |
	grym-features --features mfcc,rms --summary |
	grym-train --model logreg --cv 3 --seed 1 -o m.model >train.txt 2>&1
check "trained through the pipeline" test -s m.model

# the reference: the same files through the same stages, as records
# shellcheck disable=SC2086
grym-ingest $FILES 2>/dev/null | grym-normalize --lufs -23 --rate 16000 --mono |
	grym-features --features mfcc,rms --summary --text >feats.txt
ok "pipeline records scored" grym-infer -m m.model feats.txt
cp .out piped.tsv
# key -> path from the records' metadata, then path<TAB>label<TAB>probability
/usr/bin/python3 - <<'PY' >piped_by_path.tsv
import json
paths = {}
for line in open("feats.txt"):
    if line.startswith("#"):
        key, meta = line[1:].rstrip("\n").split("\t", 1)
        paths[key] = json.loads(meta)["path"]
rows = [l.rstrip("\n").split("\t") for l in open("piped.tsv")]
for k, lab, p in sorted((paths[r[0]], r[1], r[2]) for r in rows):
    print("%s\t%s\t%s" % (k, lab, p))
PY
is "$(wc -l <piped_by_path.tsv | tr -d ' ')" "24" "the pipeline scored every file"

# shellcheck disable=SC2086
ok "grym-infer -m MODEL FILES... on audio" grym-infer -m m.model $FILES
cp .out direct.tsv
same "$(cut -f1 direct.tsv)" "$(cat files)" "one line per file, keyed by its path, in input order"
is "$(awk -F'\t' 'NF != 3 { b++ } END { print NR, b + 0 }' direct.tsv)" "24 0" "24 lines of key<TAB>label<TAB>probability"
same "$(LC_ALL=C sort direct.tsv)" "$(cat piped_by_path.tsv)" \
	"every file: the same label and probability as through the pipeline"
right=$(awk -F'\t' '{ n = split($1, p, "/"); if ($2 == p[n - 1]) c++ } END { print c + 0 }' direct.tsv)
check "labels agree with the folders ($right of 24 >= 20)" test "$right" -ge 20
ok "--jsonl on audio" grym-infer -m m.model --jsonl DIR/tone/tone-003.wav
like "$(cat .out)" '^\{"key":"DIR/tone/tone-003.wav","label":"[a-z-]+","probability":' "--jsonl keys audio by path"

# -j: the same output
# shellcheck disable=SC2086
grym-infer -m m.model -j 3 $FILES >j3.tsv
ok "-j 3 gives the same lines in the same order" cmp j3.tsv direct.tsv
# shellcheck disable=SC2086
grym-infer -m m.model -j 30 $FILES >j30.tsv
ok "-j 30 (more threads than files) too" cmp j30.tsv direct.tsv

# audio on stdin: key "-"
one=$(sed -n 5p files)
ok "audio on stdin" sh -c "grym-infer -m m.model <'$one'"
same "$(cat .out)" "$(printf -- '-\t%s' "$(grep -F "$one	" direct.tsv | cut -f2-)")" \
	"stdin: key '-', the same label and probability as the file"
ok "audio on stdin through a pipe" sh -c "cat '$one' | grym-infer -m m.model -"
same "$(cut -f2- .out)" "$(grep -F "$one	" direct.tsv | cut -f2-)" "a pipe gives the same"

# FIFOs: probed once, never read twice
mkfifo fifo1 fifo2
cat "$one" >fifo1 &
# at the model's training rate (16 kHz): features at another rate are refused
grym-features --features mfcc,rms --summary --rate 16000 "$one" >fifo2 &
ok "audio and records through FIFOs" timeout 60 grym-infer -m m.model fifo1 fifo2
# release a writer still blocked in open() if grym-infer failed early
exec 3<>fifo1 4<>fifo2
exec 3>&- 4>&-
wait
same "$(cut -f2- .out | head -n 1)" "$(grep -F "$one	" direct.tsv | cut -f2-)" "audio through a FIFO: the same prediction"
is "$(head -n 1 .out | cut -f1)" "fifo1" "keyed by the FIFO's path"
is "$(wc -l <.out | tr -d ' ')" "2" "and the records through the other FIFO"

# audio and records mixed in one call
ok "audio files and records in one call" grym-infer -m m.model DIR/tone/tone-000.wav feats.txt
is "$(wc -l <.out | tr -d ' ')" "25" "1 + 24 lines"

# a bad file among good ones: reported, the others scored
printf 'RIFF\044\000\000\000WAVEfmt junk' >bad.wav
fails 1 "a damaged audio file exits 1" grym-infer -m m.model DIR/tone/tone-000.wav bad.wav DIR/tone/tone-001.wav
like "$(cat .err)" "^grym-infer: bad.wav: " "the damaged file is named"
is "$(cut -f1 .out | tr '\n' ' ')" "DIR/tone/tone-000.wav DIR/tone/tone-001.wav " "the others are scored"

# models whose pipeline cannot be replayed: an unknown stage, a corrupt recipe
edit() { # SCRIPT: rewrite every record's pipeline in feats.txt with python code on p
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
code = sys.argv[1]
for line in open("feats.txt"):
    if line.startswith("#"):
        key, meta = line[1:].rstrip("\n").split("\t", 1)
        m = json.loads(meta); p = m["pipeline"]
        exec(code)
        m["pipeline"] = p
        line = "#%s\t%s\n" % (key, json.dumps(m))
    sys.stdout.write(line)
PY
}
edit 'p.insert(1, {"stage": "reverse", "amount": 1})' >odd.txt
ok "a model trained on records with an unknown stage" grym-train --model logreg --seed 1 -o odd.model odd.txt
fails 1 "its pipeline cannot be replayed on audio" grym-infer -m odd.model DIR/tone/tone-000.wav DIR/tone/tone-001.wav
is "$(cat .err)" "grym-infer: DIR/tone/tone-000.wav: the model's recipe: pipeline stage 2 \"reverse\": cannot replay it on audio (known stages: normalize, features)
grym-infer: DIR/tone/tone-001.wav: the model's recipe: pipeline stage 2 \"reverse\": cannot replay it on audio (known stages: normalize, features)" \
	"unknown stage: a clear error naming it, for every file"
is "$(wc -c <.out | tr -d ' ')" "0" "nothing printed"
ok "its records still score" grym-infer -m odd.model odd.txt
edit 'del p[0]["bits"]' >corrupt.txt
ok "a model with a corrupt normalize recipe" grym-train --model logreg --seed 1 -o corrupt.model corrupt.txt
fails 1 "corrupt recipe: refused" grym-infer -m corrupt.model DIR/tone/tone-000.wav
is "$(cat .err)" "grym-infer: DIR/tone/tone-000.wav: the model's recipe: pipeline stage 1: normalize recipe: \"bits\" is missing" \
	"corrupt recipe: the stage and the key are named"
edit 'p[1]["window"] = "kaiser"' >corrupt2.txt
ok "a model with a corrupt features recipe" grym-train --model logreg --seed 1 -o corrupt2.model corrupt2.txt
fails 1 "corrupt features recipe: refused" grym-infer -m corrupt2.model DIR/tone/tone-000.wav
like "$(cat .err)" "pipeline stage 2: features recipe: .*kaiser" "names the stage and the value"

# a segmented model: one line per window, with start and end
# shellcheck disable=SC2086
grym-ingest $FILES 2>/dev/null | grym-normalize --lufs -23 --rate 16000 --mono |
	grym-features --features mfcc,rms --segment 0.3 --segment-hop 0.2 --text >segs.txt
# shellcheck disable=SC2086
grym-ingest $FILES 2>/dev/null | grym-normalize --lufs -23 --rate 16000 --mono |
	grym-features --features mfcc,rms --segment 0.3 --segment-hop 0.2 --recompute --text >segs2.txt
ok "windows from catalog features equal freshly computed ones (the last window's end too)" cmp segs.txt segs2.txt
ok "a model trained on windows" grym-train --model logreg --seed 1 -o seg.model segs.txt
ok "segments scored from records" grym-infer -m seg.model segs.txt
/usr/bin/python3 - <<'PY' >seg_piped.tsv
import json
paths = {}
for line in open("segs.txt"):
    if line.startswith("#"):
        key, meta = line[1:].rstrip("\n").split("\t", 1)
        paths[key] = json.loads(meta)["path"]
for l in open(".out"):
    r = l.rstrip("\n").split("\t")
    print("\t".join([paths[r[0]]] + r[1:]))
PY
# shellcheck disable=SC2086
ok "segmented model on audio files" grym-infer -m seg.model $FILES
cp .out seg_direct.tsv
is "$(awk -F'\t' 'NF != 5' seg_direct.tsv | wc -l | tr -d ' ')" "0" "key<TAB>start<TAB>end<TAB>label<TAB>probability"
n=$(wc -l <seg_direct.tsv | tr -d ' ')
check "more windows than files ($n > 24)" test "$n" -gt 24
same "$(grep -F 'DIR/tone/tone-000.wav	' seg_direct.tsv | cut -f2,3 | tr '\t\n' ' ;')" \
	"$(grep -F 'DIR/tone/tone-000.wav	' seg_piped.tsv | cut -f2,3 | tr '\t\n' ' ;')" "the same windows as the pipeline"
like "$(head -n 2 seg_direct.tsv | cut -f2,3 | tr '\t\n' ' ;')" "^0 0.3;0.2 0.5;" "windows of 0.3 s every 0.2 s"
same "$(cat seg_direct.tsv)" "$(cat seg_piped.tsv)" "every window: the same label and probability as through the pipeline"

done_testing
