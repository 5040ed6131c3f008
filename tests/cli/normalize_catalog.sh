#!/bin/sh
# normalize_catalog.sh — grym-normalize in catalog mode: records or ids in,
# derived assets (parent + exact recipe) in the catalog, reference
# records out with the metadata passed through and "pipeline" appended;
# the same recipe on the same asset is reused, not recomputed.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 45

PY=/usr/bin/python3
# jfield JSON-on-stdin EXPR: print a Python expression over d
jfield() { $PY -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# the file of an asset's object
objpath() { o=$(grym-catalog show "$1" | jfield 'd["object"]'); echo "$GRYM_CATALOG/objects/$(echo "$o" | cut -c1-2)/$o"; }

mkdir -p d/dog d/cat
sox -n -r 44100 -c 2 -b 16 d/dog/a.wav synth 4 pinknoise vol 0.1
sox -n -r 22050 -c 1 -b 16 d/cat/b.wav synth 3 sine 440 vol 0.5
grym-ingest -q --label-from-dir d >src.rec
src_a=$(grym-ingest -q --text d/dog/a.wav | cut -f1)
src_b=$(grym-ingest -q --text d/cat/b.wav | cut -f1)

ok "records in, records out" sh -c 'grym-normalize --text < src.rec > out1.txt'
ids1=$(grep '^#' out1.txt | cut -f1 | tr -d '#')
is "$(printf '%s\n' "$ids1" | wc -l | tr -d ' ')" 2 "two reference records out"
id_a=$(grep '"path":"d/dog/a.wav"' out1.txt | cut -f1 | tr -d '#')
show=$(grym-catalog show "$id_a")
is "$(printf '%s' "$show" | jfield 'd["kind"], d["parent"] == "'"$src_a"'"')" "derived True" "derived asset with its parent"
is "$(printf '%s' "$show" | jfield 'd["recipe"]["stage"], d["recipe"]["mode"], d["recipe"]["target"], d["recipe"]["true_peak"]')" \
	"normalize lufs -23.0 -1.0" "the recipe holds every parameter"
like "$(printf '%s' "$show" | jfield 'd["recipe"]["versions"]')" "libswresample.*libsndfile|libsndfile.*libswresample" "and the library versions"
is "$(printf '%s' "$show" | jfield 'd["labels"]')" "['dog']" "labels copied from the parent"
want=$(printf '%s' "$show" | jfield 'd["recipe"]' | $PY -c "
import ast, json, sys, hashlib
r = ast.literal_eval(sys.stdin.read())
canon = json.dumps(r, sort_keys=True, separators=(',', ':'), ensure_ascii=True)
print(hashlib.sha256(('$src_a' + '\n' + canon).encode()).hexdigest())")
same "$id_a" "$want" "id = SHA-256(parent, canonical recipe)"
near "$(grym-normalize --measure --json "$(objpath "$id_a")" | jfield 'd["integrated_lufs"]')" -23 0.05 \
	"the stored object reads -23 LUFS"
rec=$(grep '"path":"d/dog/a.wav"' out1.txt | cut -f2)
is "$(printf '%s' "$rec" | jfield 'd["asset"] == "'"$id_a"'", d["parent"] == "'"$src_a"'", d["labels"], len(d["pipeline"]), d["pipeline"][0]["stage"]')" \
	"True True ['dog'] 1 normalize" "record: asset, parent, labels passed through, pipeline appended"

# The same recipe again: nothing computed, same records.
n_before=$(grym-catalog ls --ids | wc -l | tr -d ' ')
obj=$(objpath "$id_a")
touch -d '2001-01-01' "$obj"
grym-normalize -v --text < src.rec > out2.txt 2>reuse.err
same "$(cat out2.txt)" "$(cat out1.txt)" "a rerun writes the same records"
like "$(cat reuse.err)" "reusing $id_a" "and says it reuses the result"
same "$(grym-catalog ls --ids | wc -l | tr -d ' ')" "$n_before" "no new asset"
is "$(date -r "$obj" +%Y)" 2001 "the object was not rewritten"

# Another recipe is another asset; chained stages append to the pipeline.
grym-normalize --rate 16000 --mono --text < src.rec | grym-normalize --lufs -20 --bits 16 --text > chain.txt
rec=$(grep '"path":"d/dog/a.wav"' chain.txt | cut -f2)
is "$(printf '%s' "$rec" | jfield '[p["rate"] for p in d["pipeline"]], [p["target"] for p in d["pipeline"]], d["rate"], d["channels"]')" \
	"[16000, 0] [-23.0, -20.0] 16000 1" "two stages: both recipes in the pipeline, properties of the last"
id_c=$(grep '"path":"d/dog/a.wav"' chain.txt | cut -f1 | tr -d '#')
p=$(objpath "$id_c")
is "$(soxi -r "$p") $(soxi -c "$p") $(soxi -b "$p")" "16000 1 16" "the chained object is 16 kHz mono 16-bit"
near "$(grym-normalize --measure --json "$p" | jfield 'd["integrated_lufs"]')" -20 0.05 "and reads -20 LUFS"
is "$(grym-catalog show "$id_c" | jfield 'd["parent"]' | cut -c1-8)" \
	"$(grep '"path":"d/dog/a.wav"' chain.txt | cut -f2 | jfield 'd["parent"]' | cut -c1-8)" "its parent is the first derived asset"

# Binary records (the default) work the same, and plain ids are records too.
grym-normalize < src.rec > out.bin
check "binary records out" sh -c 'head -c 4 out.bin | grep -q GRYM'
printf '%s\n' "$src_a" | grym-normalize --text > fromid.txt
same "$(grep '^#' fromid.txt | cut -f1 | tr -d '#')" "$id_a" "a line with an id gives the same derived asset"
printf '%s\n' "$(echo "$src_b" | cut -c1-12)" | grym-normalize --text > prefix.txt
is "$(grep -c '^#' prefix.txt)" 1 "an id prefix is resolved"

# Metadata the stage does not know passes through.
printf '#%s\t{"labels":["x"],"split":"test","meta":{"speaker":"s1"},"pipeline":[{"stage":"ingest"}]}\n' "$src_b" | grym-normalize --text > meta.txt
is "$(grep '^#' meta.txt | cut -f2 | jfield 'd["split"], d["meta"], [p["stage"] for p in d["pipeline"]]')" \
	"test {'speaker': 's1'} ['ingest', 'normalize']" "unknown keys pass through; pipeline appended"

# -j: parallel workers, same records in the same order as one worker in
# another catalog (ids depend only on parent and recipe).
mkdir -p many
for f in 1 2 3 4 5 6 7; do sox -n -r 16000 -c 1 -b 16 many/m$f.wav synth 1.$f pinknoise vol 0.$f; done
grym-ingest -q many > many.rec
ok "-j 3" sh -c 'grym-normalize -j 3 --lufs -21 --text < many.rec > par.txt'
GRYM_CATALOG=$PWD/other grym-ingest -q many > many2.rec
GRYM_CATALOG=$PWD/other grym-normalize --lufs -21 --text < many2.rec > ser.txt
same "$(grep '^#' par.txt | cut -f1)" "$(grep '^#' ser.txt | cut -f1)" "-j 3 gives the records of -j 1, in input order"
is "$(grep -c '^#' par.txt)" 7 "all seven"
for f in 1 4 7; do
	id=$(grep "\"path\":\"many/m$f.wav\"" par.txt | cut -f1 | tr -d '#')
	near "$(grym-normalize --measure --json "$(objpath "$id")" | jfield 'd["integrated_lufs"]')" -21 0.05 "-j 3: m$f reads -21 LUFS"
done

# An audio record amid references waits for the references before it:
# with -j 3 the records come out in input order, the bytes of -j 1; and
# -j takes up to 256 (the one limit of every program), not 257.
ids=$(grep '^#' par.txt | cut -f1 | tr -d '#')
{ for id in $(echo "$ids" | sed -n 1,2p); do printf '#%s\t{}\n' "$id"; done
  grym-synth --text sine -d 0.5 --name mid
  printf '#%s\t{}\n' "$(echo "$ids" | sed -n 3p)"; } >mixed.txt
grym-normalize -j 3 --lufs -20 --text <mixed.txt >mixed3.txt 2>.err
is "$(grep '^#' mixed3.txt | cut -f1 | sed 's/^#mid$/mid/; s/^#.*/ref/' | tr '\n' ' ')" "ref ref mid ref " \
	"-j 3: an audio record amid references keeps its place"
grym-normalize -j 1 --lufs -20 --text <mixed.txt >mixed1.txt 2>.err
check "-j 3 and -j 1 give the same bytes on a mixed stream" cmp -s mixed1.txt mixed3.txt
grym-normalize -j 256 --lufs -20 --text <mixed.txt >mixed256.txt 2>.err
check "-j 256 (past the old limit of 64) gives the same bytes" cmp -s mixed1.txt mixed256.txt
fails 2 "-j 257 is a usage error" grym-normalize -j 257 --lufs -20 --text <mixed.txt
is "$(head -n 1 .err)" "grym-normalize: --jobs: 257 is out of range (1 to 256)" "-j 257: the message names the range"

# Audio records (grym-synth --records) are normalized in place: audio
# records out, metadata passed through, no catalog needed.
grym-synth --records sine -d 3 -l -30 | GRYM_CATALOG=$PWD/none grym-normalize --lufs -20 --rate 16000 --text >arec.txt
is "$(grep '^#' arec.txt | cut -f2 | jfield 'd["kind"], d["rate"], d["frames"], [p["stage"] for p in d["pipeline"]]')" \
	"audio 16000 48000 ['synth', 'normalize']" "audio record in, audio record out (16 kHz, pipeline appended)"
# A mono 1 kHz sine at -20 LUFS has its peak at -17 dBFS.
near "$(grep -v '^#' arec.txt | awk -F'\t' '{ v = $2 < 0 ? -$2 : $2; if (v > m) m = v } END { print 20 * log(m) / log(10) }')" -17 0.05 \
	"the samples are at -20 LUFS"
check "no catalog was needed" test ! -e none

# Failures: the rest is still processed, exit 1.
printf '%s\n%s\n' 0000000000000000000000000000000000000000000000000000000000000000 "$src_a" | grym-normalize --text > bad.txt
st=$?
is "$st" 1 "an unknown id: exit 1"
like "$(cat bad.txt)" "$id_a" "the good one is still processed"
sox -D -n -r 44100 -c 2 -b 16 d/sil.wav trim 0 1   # -D: digital silence, not dither
sil=$(grym-ingest -q --text d/sil.wav | cut -f1)
echo "$sil" | grym-normalize --on-silence skip --text > sil.txt 2>sil.err
is "$?:$(grep -c '^#' sil.txt)" "0:0" "silence skipped: no record, not an error"
like "$(cat sil.err)" "level undefined \(silence\); skipped" "and says so"
# catalog-mode messages name the file, not only the 64-hex asset id
/usr/bin/python3 -c "
import struct
d = [0.0] * 800; d[100] = float('nan')
data = struct.pack('<800f', *d)
h = b'RIFF' + struct.pack('<I', 36 + len(data)) + b'WAVEfmt ' + struct.pack('<IHHIIHH', 16, 3, 1, 8000, 32000, 4, 32)
open('nan.wav', 'wb').write(h + b'data' + struct.pack('<I', len(data)) + data)"
nid=$(sha256sum nan.wav | cut -c1-12)
grym-ingest -q nan.wav >nan.grym
fails 1 "a NaN sample fails normalize" sh -c "grym-normalize --lufs -23 -o nan-out.grym <nan.grym"
like "$(cat .err)" "^grym-normalize: nan.wav \($nid\): non-finite sample" "normalize names the file and the id"
fails 1 "and features" grym-features --mfcc -o nan-f.grym nan.grym
like "$(cat .err)" "^grym-features: nan.wav \($nid\): sample 100 is NaN" "features names the file and the id"
fails 1 "a bare id on stdin" sh -c "echo $nid | grym-features --mfcc -o nan-f2.grym"
like "$(cat .err)" "^grym-features: nan.wav \($nid\): sample 100 is NaN" "a bare id is named by its asset's file"
done_testing
