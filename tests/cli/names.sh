#!/bin/sh
# names.sh — file names as users have them: not UTF-8, with a newline or a
# TAB, and one base name in two folders. They are ingested and keep their
# exact bytes (catalog, records, both stream forms), every JSON and text
# output stays valid UTF-8 (U+FFFD plus path_b64), keys and .npy names
# stay unique, and whole pipelines run on them.
. "$GRYM_TOP/tests/lib/cli.sh"

PY=/usr/bin/python3
db() { sqlite3 "$GRYM_CATALOG/catalog.db" "$1"; }

# records FILE: one line per record of a binary or text stream:
# KEY<TAB>KIND<TAB>METADATA (sorted JSON, ASCII escapes). Binary records
# are parsed here independently of grym (layout of grym-stream(5)); a text
# stream must be valid UTF-8 or this prints "NOT UTF-8".
records() {
	"$PY" - "$1" <<'PYEOF'
import json, struct, sys
data = open(sys.argv[1], "rb").read()
def show(key, kind, meta):
    print("%s\t%s\t%s" % (json.dumps(key)[1:-1], kind, json.dumps(meta, sort_keys=True)))
if data[:4] == b"GRYM":
    pos = 0
    while pos < len(data):
        kind = data[pos + 5]
        (klen,) = struct.unpack_from("<I", data, pos + 8); pos += 12
        key = data[pos:pos + klen].decode(); pos += klen
        (mlen,) = struct.unpack_from("<I", data, pos); pos += 4
        meta = json.loads(data[pos:pos + mlen].decode()); pos += mlen + 8
        while True:
            stored, _, raw, _ = struct.unpack_from("<IBII", data, pos)
            pos += 13 + stored
            if stored == 0 and raw == 0:
                break
        show(key, ["ref", "audio", "matrix", "vector"][kind], meta)
else:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        print("NOT UTF-8"); sys.exit(0)
    for line in text.split("\n"):
        if line.startswith("#"):
            key, meta = line[1:].split("\t", 1)
            meta = json.loads(meta)
            meta.pop("cols", None)
            show(key, meta.pop("kind", "ref"), meta)
PYEOF
}
# exact PATH: the exact bytes a record's metadata names, from records'
# output on stdin (path_b64 when present, else path), one per line, as
# Python's repr of bytes
exact_paths() {
	"$PY" -c '
import base64, json, sys
for line in sys.stdin:
    m = json.loads(line.rstrip("\n").split("\t", 2)[2])
    p = base64.b64decode(m["path_b64"]) if "path_b64" in m else m["path"].encode()
    print(repr(p))'
}
utf8() { "$PY" -c 'import sys; sys.stdin.buffer.read().decode("utf-8"); print("utf-8")' 2>/dev/null || echo "NOT UTF-8"; }

sox -n -r 16000 -b 16 x.wav synth 0.5 sine 440
BAD=$(printf 'd/bad\377\376.wav')
mkdir -p d && cp x.wav "$BAD"

# --- 1. a name that is not UTF-8 -----------------------------------------
ok "a name that is not UTF-8 is ingested" grym-ingest -l piano -o bad.grym "$BAD"
like "$(cat .err)" "ingested 1, already known 0, failed 0" "summary: ingested"
X=$(sha256sum x.wav | cut -c1-64)
is "$(records bad.grym)" "$X	ref	{\"asset\": \"$X\", \"channels\": 1, \"codec\": \"pcm_s16le\", \"duration\": 0.5, \"format\": \"wav\", \"frames\": 8000, \"labels\": [\"piano\"], \"meta\": {}, \"path\": \"d/bad\\ufffd\\ufffd.wav\", \"path_b64\": \"ZC9iYWT//i53YXY=\", \"paths\": [\"d/bad\\ufffd\\ufffd.wav\"], \"paths_b64\": [\"ZC9iYWT//i53YXY=\"], \"rate\": 16000}" \
	"record: path and paths with U+FFFD for each bad byte, path_b64 and paths_b64 with the exact bytes"
is "$(records bad.grym | exact_paths)" "b'd/bad\\xff\\xfe.wav'" "path_b64 decodes to the name's bytes"
is "$(db "SELECT typeof(path), hex(path) FROM asset_paths")" "blob|$(printf '%s' "$BAD" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" \
	"catalog: the exact bytes, as a BLOB"
ok "show" grym-catalog show "$X"
is "$("$PY" -c 'import json,sys; a = json.load(open(".out")); print(ascii(a["paths"]), a["paths_b64"])')" \
	"['d/bad\\ufffd\\ufffd.wav'] ['ZC9iYWT//i53YXY=']" "show: valid JSON, paths with U+FFFD and paths_b64"
ok "fsck is clean" grym-catalog fsck
ok "a re-run is known, not a failure" grym-ingest -q -o /dev/null "$BAD"
is "$(db "SELECT count(*) FROM asset_paths")" 1 "a re-run adds no second path"
ok "--text" grym-ingest --text "$BAD"
is "$(utf8 <.out)" "utf-8" "--text output is UTF-8"
is "$(cat .out)" "$X	d/bad��.wav	piano" "--text: the path with U+FFFD"
ok "--probe --json" grym-ingest --probe --json "$BAD"
is "$("$PY" -c 'import json; print(json.load(open(".out"))["path_b64"])')" "ZC9iYWT//i53YXY=" "--probe --json carries path_b64"

ok "normalize --measure --json" grym-normalize --measure --json "$BAD"
is "$("$PY" -c 'import json; j = json.load(open(".out")); print(ascii(j["file"]), j["file_b64"])')" \
	"'d/bad\\ufffd\\ufffd.wav' ZC9iYWT//i53YXY=" "--measure --json: file with U+FFFD, file_b64 with the bytes"

mkdir -p "$(printf 'lab/caf\351')"
sox -n -r 16000 -b 16 "$(printf 'lab/caf\351/one.wav')" synth 0.3 sine 523
ok "--label-from-dir with a folder name that is not UTF-8" grym-ingest -o lab.grym --label-from-dir lab
like "$(records lab.grym)" '"labels": \["caf\\ufffd"\]' "the label has U+FFFD, it is not lost"

# export and import keep the bytes
ok "export" grym-catalog export -o bad.tar
ok "import into a new catalog" grym-catalog --catalog cat2 import bad.tar
is "$(sqlite3 cat2/catalog.db "SELECT hex(path) FROM asset_paths")" "$(db "SELECT hex(path) FROM asset_paths")" \
	"export and import keep the exact bytes"

# fsck names an asset left without any path
cp -r catalog broken
sqlite3 broken/catalog.db "DELETE FROM asset_paths"
fails 1 "fsck finds a source asset without a path" grym-catalog --catalog broken fsck
like "$(cat .out)" "^asset $X: source without an origin path" "fsck names the asset"

# stdin is recorded as '-', so every source has a path
ok "stdin" sh -c 'sox -n -r 16000 -b 16 -t wav - synth 0.3 sine 1000 | grym-ingest -q -o /dev/null -'
is "$(db "SELECT path FROM asset_paths WHERE path = '-'")" "-" "stdin's path is -"
ok "fsck is clean after stdin" grym-catalog fsck

# --- 3. text records of a non-UTF-8 name ------------------------------------
ok "features --summary --text of a non-UTF-8 name" grym-features --mfcc --summary --text -o bad.txt "$BAD"
is "$(utf8 <bad.txt)" "utf-8" "the text stream is UTF-8"
like "$(records bad.txt)" '^bad\\ufffd\\ufffd	vector	' "key: the base name with U+FFFD"
is "$(records bad.txt | exact_paths)" "b'd/bad\\xff\\xfe.wav'" "text record: path_b64 gives the exact bytes"
ok "the same, binary" grym-features --mfcc --summary -o bad.bin "$BAD"
is "$(records bad.bin)" "$(records bad.txt)" "binary and text records say the same"
# a reader opens the exact file a reference names by path_b64
printf '#bad\357\277\275\357\277\275\t{"path":"d/bad\357\277\275\357\277\275.wav","path_b64":"ZC9iYWT//i53YXY="}\n' >ref.txt
ok "a reference by path_b64 is read" grym-features --mfcc --summary --text -o fromref.txt ref.txt
is "$(grep -v '^#' fromref.txt)" "$(grep -v '^#' bad.txt)" "the file path_b64 names was analysed"

# --- 2. one base name in two folders ------------------------------------------
mkdir -p a b c
sox -n -r 16000 -b 16 a/x.wav synth 0.5 sine 440
sox -n -r 16000 -b 16 b/x.wav synth 0.5 sine 880
sox -n -r 16000 -b 16 c/y.wav synth 0.5 sine 660
ok "--npy with one base name in two folders" grym-features --mfcc --npy out a/x.wav b/x.wav
is "$(cd out && find . -type f | sort | tr '\n' ' ')" "./a/x.mfcc.npy ./b/x.mfcc.npy " \
	"one file per input: the path relative to the common folder"
grym-features --mfcc --npy one-a a/x.wav && grym-features --mfcc --npy one-b b/x.wav
check "out/a/x.mfcc.npy is a/x.wav's" cmp -s out/a/x.mfcc.npy one-a/x.mfcc.npy
check "out/b/x.mfcc.npy is b/x.wav's" cmp -s out/b/x.mfcc.npy one-b/x.mfcc.npy
ok "records of one base name in two folders" grym-features --mfcc --summary --text a/x.wav b/x.wav
is "$(grep '^#' .out | cut -f1 | tr '\n' ' ')" "#a/x #b/x " "keys are unique: a/x, b/x"
ok "unique base names keep their names" grym-features --mfcc --npy out2 a/x.wav c/y.wav
is "$(cd out2 && find . -type f | sort | tr '\n' ' ')" "./x.mfcc.npy ./y.mfcc.npy " "base names as before"
sox a/x.wav a/x.flac
ok "same stem, two extensions" grym-features --mfcc --summary --text a/x.wav a/x.flac
is "$(grep '^#' .out | cut -f1 | tr '\n' ' ')" "#x.wav #x.flac " "the extension tells them apart"
ok "the same file twice" grym-features --mfcc --npy out3 a/x.wav a/x.wav
is "$(cd out3 && find . -type f | sort | tr '\n' ' ')" "./x.mfcc.npy ./x~2.mfcc.npy " "never overwritten: a numbered name"
ok "a file reference in a stream" sh -c 'printf "a/x.wav\nb/x.wav\n" | grym-features --mfcc --summary --text'
is "$(grep '^#' .out | cut -f1 | tr '\n' ' ')" "#a/x #b/x " "references by path get unique keys too"

# --- newline, TAB, bad bytes and a shared base name through pipelines --------
mkdir -p corpus/dog corpus/cat
i=0
for f in 300 350 400 450; do
	sox -n -r 16000 -b 16 "corpus/dog/d$i.wav" synth 0.5 sine $f
	sox -n -r 16000 -b 16 "corpus/cat/c$i.wav" synth 0.5 square $((f * 3))
	i=$((i + 1))
done
mv corpus/dog/d0.wav "corpus/dog/new
line.wav"
mv corpus/dog/d1.wav "corpus/dog/tab	here.wav"
mv corpus/cat/c0.wav "$(printf 'corpus/cat/bad\377.wav')"
mv corpus/dog/d2.wav corpus/dog/same.wav
mv corpus/cat/c1.wav corpus/cat/same.wav
"$PY" -c '
import os
print(repr(sorted(os.fsencode(os.path.join(d, f)) for d in ["corpus/cat", "corpus/dog"] for f in os.listdir(d))))' >want-paths

export GRYM_CATALOG=$PWD/pipecat
ok "binary pipeline ingest | normalize | features | train" sh -c '
	grym-ingest -q --label-from-dir corpus/ | tee ingest.grym | grym-normalize --lufs -23 \
	| grym-features --mfcc --summary | tee feats.grym | grym-train --model logreg --cv 2 -o bin.model'
is "$(records ingest.grym | exact_paths | sort | "$PY" -c 'import sys, ast; print(repr(sorted(ast.literal_eval(l) for l in sys.stdin)))')" \
	"$(cat want-paths)" "ingest records carry every exact path"
is "$(records feats.grym | wc -l)" 8 "eight feature vectors"
is "$(records feats.grym | exact_paths | sort | "$PY" -c 'import sys, ast; print(repr(sorted(ast.literal_eval(l) for l in sys.stdin)))')" \
	"$(cat want-paths)" "the exact paths pass through normalize and features"
ok "text pipeline" sh -c '
	grym-ingest -q --text --label-from-dir corpus/ | grym-normalize --text --lufs -23 \
	| grym-features --text --mfcc --summary | grym-train --model logreg --cv 2 -o text.model'
ok "binary ingest, then text streams" sh -c '
	grym-ingest -q --label-from-dir corpus/ | grym-normalize --text --lufs -23 \
	| grym-features --text --mfcc --summary | tee feats.txt | grym-train --model logreg --cv 2 -o text2.model'
is "$(utf8 <feats.txt)" "utf-8" "the text features are UTF-8"
is "$(records feats.txt | exact_paths | sort | "$PY" -c 'import sys, ast; print(repr(sorted(ast.literal_eval(l) for l in sys.stdin)))')" \
	"$(cat want-paths)" "the text stream carries the exact paths"
ok "infer reads the text stream back" grym-infer -m text.model feats.txt
is "$(wc -l <.out)" 8 "a prediction per record"

ok "infer on the audio files (the model's recipe replayed)" sh -c 'grym-infer -m bin.model corpus/*/* >pred.tsv'
is "$(utf8 <pred.tsv)" "utf-8" "predictions are UTF-8"
is "$(wc -l <pred.tsv)" 8 "one line per file, newline and TAB in names shown as U+FFFD"
ok "infer --jsonl" sh -c 'grym-infer -m bin.model --jsonl corpus/*/* >pred.jsonl'
is "$("$PY" -c '
import base64, json
for l in open("pred.jsonl"):
    j = json.loads(l)
    if "key_b64" in j: print(ascii(j["key"]), base64.b64decode(j["key_b64"]))')" \
	"'corpus/cat/bad\\ufffd.wav' b'corpus/cat/bad\\xff.wav'" "--jsonl: key with U+FFFD and key_b64 for the non-UTF-8 name"
ok "features of the files directly" sh -c 'grym-features --mfcc --summary --text corpus/*/* >direct.txt'
is "$(utf8 <direct.txt)" "utf-8" "text output stays UTF-8"
is "$(grep -c '^#' direct.txt)" 8 "eight records"
is "$(grep '^#' direct.txt | cut -f1 | sort -u | wc -l)" 8 "eight distinct keys"
is "$(grep '^#' direct.txt | cut -f1 | tr '\n' ' ')" "#cat/bad� #cat/c2 #cat/c3 #cat/same #dog/d3 #dog/new�line #dog/same #dog/tab�here " \
	"keys relative to the common folder; newline, TAB and bad bytes as U+FFFD"
ok "npy of the files directly" grym-features --mfcc --npy npyout corpus/cat/same.wav corpus/dog/same.wav "corpus/dog/tab	here.wav"
is "$(cd npyout && find . -type f | LC_ALL=C sort | tr '\n' ' ')" "./cat/same.mfcc.npy ./dog/same.mfcc.npy ./dog/tab�here.mfcc.npy " "npy names follow the keys"

ok "catalog ls" grym-catalog ls
is "$(sqlite3 pipecat/catalog.db "SELECT count(*) FROM assets WHERE kind = 'source'")" 8 "eight sources in the catalog"
ok "catalog show of the newline name" sh -c 'grym-catalog show $(grym-catalog ls --path "*new*" | head -n 1 | cut -f1)'
is "$("$PY" -c 'import json; print(repr(json.load(open(".out"))["paths"]))')" "['corpus/dog/new\\nline.wav']" "show: the newline escaped in JSON"
ok "catalog fsck" grym-catalog fsck

done_testing
