#!/bin/sh
# features.sh — grym-features through real pipes: numbers against librosa's
# fixtures, every output form, input order with -j, errors and exit codes.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 68

need_fixtures
PY=/usr/bin/python3

# compare TEXTFILE FIXTURE-NPY: the matrix of a --text record equals
# librosa's (dims x frames) within atol 0.01 (mfcc's tolerance)
cmp_text() {
	$PY - "$1" "$2" <<'PYEOF'
import sys, numpy as np
rows = [l.rstrip('\n').split('\t')[1:] for l in open(sys.argv[1]) if not l.startswith('#')]
g = np.array(rows, dtype=np.float64)
r = np.load(sys.argv[2]).T
ok = g.shape == r.shape and np.abs(g - r).max() <= 0.01
print("ok" if ok else "bad %s %s %s" % (g.shape, r.shape, np.abs(g - r).max() if g.shape == r.shape else ""))
PYEOF
}

# --- filter mode: files, stdin
ok "mfcc of a WAV file" grym-features --mfcc --text -o tone.txt "$FIX/tone440.wav"
is "$(cmp_text tone.txt "$FIX/tone440.mfcc.npy")" ok "tone440 MFCC equals librosa's (atol 0.01)"
like "$(head -1 tone.txt)" '^#tone440	\{"kind":"matrix","cols":20' "key is the file's base name, 20 columns"
like "$(head -1 tone.txt)" '"pipeline":\[\{"stage":"features","features":\["mfcc"\],.*"n_fft":2048,"hop":512' "pipeline carries the recipe"
like "$(head -1 tone.txt)" '"names":\["mfcc0","mfcc1",' "dimension names"

grym-features --text --features logmel < "$FIX/speech.wav" > speech.txt
is "$(cmp_text speech.txt "$FIX/speech.logmel.npy")" ok "log-mel of a WAV on stdin equals librosa's"
like "$(head -1 speech.txt)" '^#stdin	' "stdin input is keyed 'stdin'"

grym-features --text --features contrast "$FIX/sweep48k.wav" > c.txt
is "$(cmp_text c.txt "$FIX/sweep48k.contrast.npy")" ok "contrast at 48 kHz equals librosa's"
grym-features --text --features chroma --tuning 0 "$FIX/chord44k.wav" > ch.txt
is "$(cmp_text ch.txt "$FIX/chord44k.chroma.npy")" ok "chroma with --tuning 0 equals librosa's"
grym-features --text --features tempo "$FIX/bursts44k.wav" > t.txt
bpm=$(awk -F'\t' '!/^#/ { print $2 }' t.txt)
ref=$($PY -c "import numpy; print(float(numpy.load('$FIX/bursts44k.tempo.npy')[0]))")
near "$bpm" "$ref" 0.01 "tempo within 0.01 BPM of librosa's"

# --- binary records by default
grym-features "$FIX/tone440.wav" > tone.bin
is "$(head -c 4 tone.bin)" "GRYM" "binary records by default"

# --- summaries
grym-features --summary --text "$FIX/chirp.wav" > s.txt
like "$(head -1 s.txt)" '"kind":"vector","cols":40' "summary: one vector of 20 means + 20 stds"
like "$(head -1 s.txt)" '"names":\["mfcc0_mean",.*"mfcc19_std"\]' "summary names"
got=$(awk -F'\t' '!/^#/ { print $2 }' s.txt)
ref=$($PY -c "import numpy; print(numpy.load('$FIX/chirp.mfcc.npy')[0].mean())")
near "$got" "$ref" 0.01 "mean of mfcc0 equals numpy's over librosa's"
grym-features --summary --stats mean,std,min,max,p10,p50,p90 --text "$FIX/chirp.wav" > s7.txt
like "$(head -1 s7.txt)" '"cols":140' "seven statistics: 140 values"
got=$(awk -F'\t' '!/^#/ { print $(1 + 5 * 20 + 1) }' s7.txt)
ref=$($PY -c "import numpy; print(numpy.percentile(numpy.load('$FIX/chirp.mfcc.npy')[0], 50))")
near "$got" "$ref" 0.01 "p50 of mfcc0 equals numpy.percentile"
grym-features --summary --features centroid,rms,yin --text "$FIX/tone440.wav" > s3.txt
like "$(head -1 s3.txt)" '"names":\["centroid_mean","centroid_std","rms_mean","rms_std","yin_mean","voiced_mean","yin_std","voiced_std"\]' "features one after another, each stat by stat over its dims"
# group names in a --features list mean what the flags of those names mean
grym-features --summary --text --features mfcc,chroma,spectral "$FIX/tone440.wav" > grp1.txt
grym-features --summary --text --mfcc --chroma --spectral "$FIX/tone440.wav" > grp2.txt
check "--features mfcc,chroma,spectral is accepted" test -s grp1.txt
same "$(cat grp1.txt)" "$(cat grp2.txt)" "--features mfcc,chroma,spectral equals --mfcc --chroma --spectral"
like "$(head -1 grp1.txt)" '"features":\["mfcc","chroma","centroid","bandwidth","rolloff","flatness","contrast"\]' "the spectral group is the five spectral features"
grym-features --summary --text --features deltas,stft "$FIX/tone440.wav" > grp3.txt
like "$(head -1 grp3.txt)" '"features":\["mfcc","mfcc_delta","mfcc_delta2","stft_mag"\]' "deltas and stft groups in a list"
fails 2 "an unknown name in --features is refused" grym-features --features mfcc,nonesuch "$FIX/tone440.wav"
like "$(cat .err)" "nonesuch" "the message names the unknown feature"

# --- segments
grym-features --segment 0.5 --segment-hop 0.25 --text "$FIX/speech.wav" > seg.txt
is "$(grep -vc '^#' seg.txt)" 12 "2.93 s in 0.5 s windows every 0.25 s: 12 vectors"
like "$(grep '^#' seg.txt | sed -n 4p)" '"segment":3,"start":0.75,"end":1.25' "start and end of each window in the metadata"

# --- npy (the directory is made when missing)
ok "--npy writes files" grym-features --features mfcc,rms --npy npy "$FIX/tone440.wav" "$FIX/short.wav"
is "$(ls npy | tr '\n' ' ')" "short.mfcc.npy short.rms.npy tone440.mfcc.npy tone440.rms.npy " "KEY.FEATURE.npy per input and feature"
is "$($PY -c "
import numpy as np
a = np.load('npy/tone440.mfcc.npy'); r = np.load('$FIX/tone440.mfcc.npy').T
print(a.dtype, a.shape, bool(np.abs(a - r).max() <= 0.01))")" "float32 (87, 20) True" "npy: float32 frames x dims equal to librosa's"

# --- -j keeps input order
for i in 1 2 3; do cp "$FIX/chirp.wav" "c$i.wav"; done
grym-features --summary --text -j 2 c1.wav "$FIX/tone440.wav" c2.wav "$FIX/speech.wav" c3.wav > j2.txt
grym-features --summary --text c1.wav "$FIX/tone440.wav" c2.wav "$FIX/speech.wav" c3.wav > j1.txt
is "$(cut -f1 j2.txt | tr '\n' ' ')" "#c1 c1 #tone440 tone440 #c2 c2 #speech speech #c3 c3 " "-j 2 keeps the input order"
check "-j 2 output is byte-identical to -j 1" cmp -s j1.txt j2.txt

# --- -j 1, 3 and 256 (more threads than inputs): the same bytes --------
# frame records, segment vectors, --npy files and the messages, with a
# failed input in the middle and one file twice (c1~2 under --npy)
set -- c1.wav "$FIX/tone440.wav" c2.wav nonexistent.wav "$FIX/speech.wav" c1.wav c3.wav "$FIX/chirp.wav"
for j in 1 3 256; do
	grym-features --features mfcc,chroma -j $j "$@" >fr$j.rec 2>fr$j.err
	echo $? >fr$j.st
	grym-features --summary --segment 0.3 -j $j "$@" >sg$j.rec 2>/dev/null
	grym-features --npy npy$j --features mfcc,rms -j $j "$@" 2>/dev/null
done
is "$(cat fr1.st fr3.st fr256.st | tr '\n' ' ')" "1 1 1 " "-j 1, 3, 256: the missing file fails each run"
is "$(wc -l <fr1.err) $(cut -d: -f1,2 fr1.err)" "1 grym-features: nonexistent.wav" "...with one message"
check "-j 1 wrote frame records" test "$(stat -c %s fr1.rec)" -gt 100000
for j in 3 256; do
	check "frame records: -j $j byte-identical to -j 1" cmp -s fr1.rec fr$j.rec
	check "segment vectors: -j $j byte-identical to -j 1" cmp -s sg1.rec sg$j.rec
	check "messages: -j $j the same as -j 1" cmp -s fr1.err fr$j.err
	is "$(diff -r npy1 npy$j && echo same)" same "--npy: -j $j writes the same files as -j 1"
done
is "$(find npy1 -name '*.npy' | wc -l) $(find npy1 -name 'c1~2.*.npy' | wc -l)" "14 2" \
	"--npy: 2 files for each of the 7 inputs read, the second c1 numbered"

# --- decoding options
grym-features --features rms --text --duration 1 "$FIX/tone440.wav" > d.txt
is "$(grep -vc '^#' d.txt)" 44 "--duration 1 at 22050 Hz: 1 + 22050/512 = 44 frames"
grym-features --features rms --text --rate 16000 "$FIX/tone440.wav" > r.txt
like "$(head -1 r.txt)" '"rate":16000' "--rate resamples first"
sox "$FIX/chord44k.wav" -c 2 stereo.wav
a=$(grym-features --features rms --text stereo.wav | sed -n 2p | cut -f2)
b=$(grym-features --features rms --text "$FIX/chord44k.wav" | sed -n 2p | cut -f2)
same "$a" "$b" "two identical channels mix down to the same mono"


# --- audio records in (text form), with labels passed through
$PY - "$FIX/tone440.wav" > tone.rec <<'PYEOF'
import sys, wave, numpy as np
w = wave.open(sys.argv[1]); x = np.frombuffer(w.readframes(w.getnframes()), dtype='<i2') / 32768.0
print('#rec1\t{"kind":"audio","cols":1,"rate":22050,"labels":["a440"],"meta":{"split":"train"}}')
for v in x: print('rec1\t%.9g' % v)
PYEOF
grym-features --mfcc --text < tone.rec > rec.txt
is "$(cmp_text rec.txt "$FIX/tone440.mfcc.npy")" ok "an audio record in gives librosa's MFCC"
like "$(head -1 rec.txt)" '^#rec1	.*"labels":\["a440"\],"meta":\{"split":"train"\}' "its key, labels and meta pass through"
fails 1 "--rate on an audio record is refused" grym-features --rate 16000 --mfcc < tone.rec

# --- errors and exit codes
fails 1 "a missing file fails with status 1" grym-features --summary --text c1.wav nonexistent.wav c2.wav
is "$(grep -vc '^#' .out)" 2 "the other inputs are still written"
like "$(cat .err)" '^grym-features: nonexistent.wav: ' "error names the input"
fails 1 "with -j 2 too" grym-features -j 2 --summary --text c1.wav nonexistent.wav c2.wav
is "$(cut -f1 .out | tr '\n' ' ')" "#c1 c1 #c2 c2 " "the good inputs written, in order"
fails 2 "--n-fft 0 is a usage error" grym-features --n-fft 0 c1.wav
fails 2 "unknown feature is a usage error" grym-features --features mfcc,nope c1.wav
fails 2 "more MFCCs than mels is a usage error" grym-features --n-mfcc 200 c1.wav
fails 1 "deltas of a 50 ms clip fail" grym-features --deltas "$FIX/short.wav"
like "$(cat .err)" 'needs at least 9 frames' "naming the 9-frame minimum"
sox -n -r 8000 -c 1 s8k.wav synth 1 sine 440
fails 1 "contrast at 8 kHz fails" grym-features --features contrast s8k.wav
like "$(cat .err)" '12800 Hz' "naming the 12.8 kHz limit"
$PY -c "
import numpy as np, wave, struct
x = np.zeros(4096, dtype='<f4'); x[100] = np.nan
import soundfile
soundfile.write('nan.wav', x, 22050, subtype='FLOAT')"
check "a float WAV with a NaN made (python3-soundfile)" test -s nan.wav
fails 1 "NaN samples fail" grym-features nan.wav
like "$(cat .err)" 'sample 100 is NaN' "naming the sample"
sox -n -r 22050 -c 1 -b 16 silence.wav trim 0 1
grym-features --features logmel,mfcc,flatness,centroid,contrast --summary --text silence.wav > sil.txt
is "$(grep -vc '^#' sil.txt) $(grep -v '^#' sil.txt | grep -ciE 'nan|inf')" "1 0" "silence: a summary, no NaN or inf anywhere in it"
fails 1 "an empty file fails" grym-features /dev/null

# spilled rows that do not fit in TMPDIR: the message names TMPDIR and
# the room needed (a file-size limit stands in for a full file system;
# 240 s of STFT rows, 42 MB, spill past the 32 MB kept in memory)
sox -n -r 22050 -c 1 long240.wav synth 240 whitenoise vol 0.5
mkdir -p small-tmp
( trap '' XFSZ; ulimit -f 4000; TMPDIR=$PWD/small-tmp exec grym-features --stft --summary long240.wav ) >/dev/null 2>spill.err
is "$?" 1 "features fail when TMPDIR runs out of room"
like "$(cat spill.err)" "^grym-features: long240.wav: writing feature rows to a temporary file in $PWD/small-tmp \(TMPDIR\): File too large; this input needs more than [0-9]+ MB there" \
	"the message names TMPDIR and the room needed"
is "$(ls small-tmp)" "" "nothing is left in TMPDIR"
done_testing
