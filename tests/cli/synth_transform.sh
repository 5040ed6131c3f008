#!/bin/sh
# synth_transform.sh — grym-synth transform as a filter, checked with sox
# and python: lengths, frequencies, reversal, determinism, records, errors.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 52

freq_of() { # FILE -> dominant frequency (Hz) of channel 1 by FFT peak
	/usr/bin/python3 -c '
import sys, numpy, soundfile
x, r = soundfile.read(sys.argv[1], always_2d=True)
x = x[:, 0] * numpy.hanning(len(x))
m = numpy.abs(numpy.fft.rfft(x))
print(round(numpy.argmax(m) * r / len(x), 1))' "$1"
}

grym-synth sine --freq 500 --duration 2 --channels 2 -o in.wav
ok "stretch" grym-synth transform stretch --factor 1.5 in.wav -o st.wav
is "$(sox --i -s st.wav)" 144000 "stretch 1.5: 3 s"
is "$(sox --i -c st.wav)" 2 "channels kept"
near "$(freq_of st.wav)" 500 1 "stretch keeps 500 Hz"
ok "pitch" grym-synth transform pitch --semitones 12 in.wav -o p.wav
is "$(sox --i -s p.wav)" 96000 "pitch keeps the length"
near "$(freq_of p.wav)" 1000 2 "pitch +12: 1000 Hz"
grym-synth transform pitch --semitones -12 <in.wav >p2.wav
near "$(freq_of p2.wav)" 250 2 "pitch -12 through stdin and stdout: 250 Hz"
ok "freeze" grym-synth transform freeze --at 1 --duration 4 in.wav -o fr.wav
is "$(sox --i -s fr.wav)" 192000 "freeze for 4 s"
near "$(freq_of fr.wav)" 500 1 "frozen frame keeps 500 Hz"

grym-synth sine --freq 440 --duration 0.5 --bits 32f -o a.wav
grym-synth transform reverse a.wav -o r.wav --bits 32f
grym-synth transform reverse r.wav -o rr.wav --bits 32f
same=$(/usr/bin/python3 -c '
import soundfile, numpy
a, _ = soundfile.read("a.wav"); r, _ = soundfile.read("r.wav"); rr, _ = soundfile.read("rr.wav")
print(numpy.array_equal(a, rr), numpy.array_equal(a[::-1], r))')
is "$same" "True True" "reverse reverses; twice is the identity"

grym-synth transform randphase in.wav -o r1.wav
grym-synth transform randphase in.wav -o r2.wav
grym-synth transform randphase --seed 2 in.wav -o r3.wav
ok "randphase deterministic" cmp r1.wav r2.wav
fails 1 "another seed, another result" cmp -s r1.wav r3.wav
ok "smear" grym-synth transform smear --amount 4 in.wav -o sm.wav
is "$(sox --i -s sm.wav)" 96000 "smear keeps the length"

grym-synth transform stretch --factor 2 --records --text a.wav >rec.txt
like "$(head -1 rec.txt)" '"recipe":\{"stage":"synth-transform","transform":"stretch","source":"a.wav","factor":2' "transform recipe"
is "$(grep -vc '^#' rec.txt)" 48000 "0.5 s stretched x2 = 48000 frames"

# on the catalog: input by id, result stored as a derived asset
grym-ingest in.wav >/dev/null 2>&1
src=$(grym-catalog ls 2>/dev/null | awk '$NF == "in.wav" { print $1 }')
check "input ingested" test -n "$src"
short=$(printf %s "$src" | cut -c1-8)
id=$(grym-synth transform stretch --factor 2 --store "$short")
like "$id" '^[0-9a-f]{64}$' "--store prints the derived id"
show=$(grym-catalog show "$id")
like "$show" '"kind": "derived"' "derived asset"
like "$show" "\"parent\": \"$src\"" "parent is the input asset"
like "$show" '"transform": "stretch"' "recipe stored"
like "$show" '"frames": 192000' "2 s at 48 kHz stored"
same "$(grym-synth transform stretch --factor 2 --store "$short")" "$id" "same recipe, same id"
# decoding at another rate or in mono makes other audio: another id, and
# the recipe says how it was decoded
id8k=$(grym-synth transform stretch --factor 2 --rate 8000 --store "$short")
check "--rate 8000: another derived asset, not the 48 kHz one" test "$id8k" != "$id" -a -n "$id8k"
show8k=$(grym-catalog show "$id8k")
like "$show8k" '"sample_rate": 8000' "stored at 8 kHz"
like "$show8k" '"rate": 8000' "its recipe records the rate it was decoded at"
idmono=$(grym-synth transform stretch --factor 2 --channels 1 --store "$short")
check "--channels 1: another derived asset" test "$idmono" != "$id" -a -n "$idmono"
like "$(grym-catalog show "$idmono")" '"channels": 1' "its recipe records the mix to mono"
ok "a derived asset transforms again" grym-synth transform reverse "$id" -o back.wav
is "$(sox --i -s back.wav)" 192000 "read back from the store"
# as a pipeline stage: records in, records out
grym-ingest in.wav 2>/dev/null | grym-synth transform stretch --factor 2 --text >st.txt
head -1 st.txt >st.head
like "$(cat st.head)" "^#$src	" "ingest refs in: record keyed by the asset id"
like "$(cat st.head)" '"pipeline":\[\{"stage":"synth-transform","transform":"stretch"' "pipeline appended"
like "$(cat st.head)" '"path":"in.wav"' "input metadata passed through"
is "$(grep -vc '^#' st.txt)" 192000 "stretched audio in the record"
grym-ingest in.wav 2>/dev/null | grym-synth transform stretch --factor 2 --store --text | head -1 | cut -f1 >ref.txt
is "$(cat ref.txt)" "#$id" "--store on a stream: references to the derived assets"
grym-synth sine --records --duration 0.5 | grym-synth transform reverse --text >rv.txt
is "$(grep -vc '^#' rv.txt)" 24000 "audio records in, transformed"
like "$(head -1 rv.txt)" '"pipeline":\[\{"stage":"synth".*\},\{"stage":"synth-transform","transform":"reverse"' "synth then transform in the pipeline"
cat in.wav | grym-synth transform stretch >sp.wav
is "$(sox --i -s sp.wav 2>/dev/null)" 192000 "audio on stdin (spooled)"
fails 1 "--store on records without assets" sh -c 'grym-synth sine --records | grym-synth transform reverse --store'

ok "granular resynthesis of a catalog asset" grym-synth cloud --source "$short" --freq 300 --to 300 --duration 1 -o gr.wav
near "$(freq_of gr.wav)" 500 10 "grains of the 500 Hz asset at speed 1"

fails 2 "--store needs an id" grym-synth transform reverse --store in.wav
fails 1 "unknown id" grym-synth transform reverse --store 0000abcd

fails 2 "option of another transformation" grym-synth transform stretch --semitones 3 in.wav
fails 2 "unknown transformation" grym-synth transform wobble in.wav
fails 2 "generator option in transform" grym-synth transform stretch --freq 3 in.wav
fails 2 "transform option on a generator" grym-synth sine --factor 2
fails 2 "factor out of range" grym-synth transform stretch --factor 50 in.wav
fails 1 "missing input" grym-synth transform stretch nope.wav -o out.wav
check "nothing written" test ! -e out.wav
done_testing
