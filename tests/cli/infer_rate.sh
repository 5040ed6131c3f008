#!/bin/sh
# infer_rate.sh — a model records the sample rate of its training
# features; grym-infer resamples audio at another rate to it (a clip at
# 8 kHz or 44.1 kHz gets the label and the probability of the clip at its
# training rate), refuses feature records made at another rate, and still
# loads model files from before the rate was recorded. Training on mixed
# rates warns and records the most common.
. "$GRYM_TOP/tests/lib/cli.sh"
export PATH="$GRYM_BIN:/usr/bin:$PATH"

header() { # MODEL KEY: a key of the model header (python: the byte layout of grym-model(5))
	python3 -c '
import json, struct, sys
b = open(sys.argv[1], "rb").read()
h = json.loads(b[16:16 + struct.unpack("<I", b[12:16])[0]])
print(h.get(sys.argv[2], "absent"))' "$1" "$2"
}

grym-synth dataset --classes 3 --per-class 8 --seed 1 --rate 22050 corpus
grym-ingest -q --label-from-dir corpus/ | grym-normalize --lufs -23 | grym-features --mfcc --summary \
	| grym-train --model logreg -o s.model >/dev/null
is "$(header s.model rate)" 22050 "the model records the training rate"

grym-synth dataset --classes 3 --per-class 2 --seed 7 --rate 22050 new
for f in new/*/*.wav; do
	b=$(basename "$f" .wav)
	sox "$f" -r 8000 "r8-$b.wav"
	sox "$f" -r 44100 "r44-$b.wav"
done
grym-infer -m s.model new/*/*.wav >native.txt
grym-infer -m s.model r8-*.wav >r8.txt
grym-infer -m s.model r44-*.wav >r44.txt
is "$(cut -f2 native.txt | tr '\n' ' ')" "chirp-down chirp-down chirp-up chirp-up tone tone " "native clips: right labels"
is "$(cut -f2 r8.txt | tr '\n' ' ')" "$(cut -f2 native.txt | tr '\n' ' ')" "clips at 8 kHz: the same labels"
is "$(cut -f2 r44.txt | tr '\n' ' ')" "$(cut -f2 native.txt | tr '\n' ' ')" "clips at 44.1 kHz: the same labels"
near "$(paste native.txt r44.txt | awk '{ d = $3 - $6; if (d < 0) d = -d; if (d > m) m = d } END { print m + 0 }')" 0 0.05 \
	"at 44.1 kHz: probabilities within 0.05 of the native clip's (no near tie)"
near "$(awk '{ if (m == "" || $3 < m) m = $3 } END { print m }' r8.txt)" 1 0.5 \
	"at 8 kHz: every probability above 0.5"

# feature records at another rate cannot be resampled: refused, named
grym-ingest -q r8-tone-000.wav | grym-normalize --lufs -23 | grym-features --mfcc --summary >f8.grym
fails 1 "features made at 8 kHz refused" grym-infer -m s.model f8.grym
like "$(cat .err)" "features made at 8000 Hz, the model was trained on features at 22050 Hz" "and the message says why"
grym-ingest -q r8-tone-000.wav | grym-normalize --lufs -23 | grym-features --mfcc --summary --rate 22050 >f22.grym
is "$(grym-infer -m s.model f22.grym | cut -f2)" tone "the same clip analysed at 22050 Hz is scored"

# a model file from before the rate was recorded still loads
python3 -c '
import hashlib, json, struct, sys
b = open("s.model", "rb").read()
hl = struct.unpack("<I", b[12:16])[0]
h = json.loads(b[16:16 + hl]); del h["rate"]
hs = json.dumps(h, separators=(",", ":"), sort_keys=True).encode()
body = b[:8] + b[8:12] + struct.pack("<I", len(hs)) + hs + b[16 + hl:-32]
open("old.model", "wb").write(body + hashlib.sha256(body).digest())'
is "$(header old.model rate)" absent "(the old-format model has no rate)"
is "$(grym-infer -m old.model new/*/*.wav | cut -f2 | tr '\n' ' ')" "$(cut -f2 native.txt | tr '\n' ' ')" \
	"an old-format model loads and scores"
is "$(grym-infer -m old.model f8.grym | wc -l | tr -d ' ')" 1 "an old model does not check record rates"

# mixed rates in training: a warning naming them, the most common kept
mkdir -p mixed/tone mixed/chirp-up
cp corpus/tone/*.wav corpus/chirp-up/*.wav mixed/ 2>/dev/null
cp corpus/tone/tone-00[0-5].wav mixed/tone/
cp corpus/chirp-up/chirp-up-00[0-5].wav mixed/chirp-up/
sox corpus/tone/tone-006.wav -r 16000 mixed/tone/tone-006.wav
sox corpus/chirp-up/chirp-up-006.wav -r 16000 mixed/chirp-up/chirp-up-006.wav
rm -f mixed/*.wav
grym-ingest -q --label-from-dir mixed/ | grym-normalize --lufs -23 | grym-features --mfcc --summary >mixed.grym
ok "training on mixed rates works" grym-train --model logreg -o mixed.model mixed.grym
like "$(cat .err)" "warning: training features at mixed sample rates: .*22050 Hz \(12\).*16000 Hz \(2\)|16000 Hz \(2\).*22050 Hz \(12\)" \
	"warns, naming the rates and counts"
like "$(cat .err)" "the model records 22050 Hz, the most common" "and says which it keeps"
is "$(header mixed.model rate)" 22050 "the model records the most common rate"
done_testing
