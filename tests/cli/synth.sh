#!/bin/sh
# synth.sh — grym-synth checked with peer tools: sox reads what it writes
# (file and pipe, WAV/FLAC, 16/24/32f), levels and lengths are exact,
# ffmpeg's EBU R128 meter reads the Tech 3341 sequence as -23.0 LUFS,
# seeds make identical bytes, records and datasets have the promised
# shape, and usage errors exit 2.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 70

stat_of() { # FILE FIELD -> value from sox stat
	sox "$1" -n stat 2>&1 | awk -v f="$2" 'index($0, f) == 1 { print $NF }'
}

ok "sine to a file" grym-synth sine --freq 1000 --level -20 --duration 2 --rate 48000 -o tone.wav
is "$(sox --i -r tone.wav)" 48000 "rate 48000"
is "$(sox --i -c tone.wav)" 1 "mono"
is "$(sox --i -s tone.wav)" 96000 "2 s = 96000 samples"
is "$(sox --i -b tone.wav)" 16 "16 bits by default"
near "$(stat_of tone.wav 'Maximum amplitude')" 0.1 0.0001 "peak 0.1 (-20 dBFS)"
near "$(stat_of tone.wav 'Rough   frequency')" 1000 5 "sox hears 1000 Hz"

ok "odd duration" grym-synth silence --duration 1.23456 --rate 44100 -o odd.wav
is "$(sox --i -s odd.wav)" 54444 "1.23456 s at 44.1 kHz = round(54444.096) samples"

# pipes: WAV with 0xFFFFFFFF sizes, read by sox and ffmpeg
len=$(grym-synth sine --duration 1.5 2>/dev/null | sox -t wav - -n stat 2>&1 | awk '/^Length/ { print $NF }')
near "$len" 1.5 0.00001 "sox reads 1.5 s from a pipe"
grym-synth sine --duration 1 | od -A d -t x1 -j 4 -N 4 | head -1 >riff.txt
like "$(cat riff.txt)" "ff ff ff ff" "WAV to a pipe has RIFF size 0xFFFFFFFF"
n=$(grym-synth sine --duration 1 | ffmpeg -v error -i - -f s16le - | wc -c)
is "$n" 96000 "ffmpeg decodes 48000 frames from a pipe"

# formats and sample widths
ok "flac by extension" grym-synth sine --duration 1 -o t.flac
like "$(sox --i -t t.flac)" "^flac$" "sox sees FLAC"
grym-synth sine --duration 1 -t flac | sox -t flac - -n stat 2>stat.txt
near "$(awk '/^Length/ { print $NF }' stat.txt)" 1 0.00001 "FLAC through a pipe"
ok "24 bits" grym-synth sine --bits 24 -o t24.wav
is "$(sox --i -b t24.wav)" 24 "24-bit WAV"
ok "float" grym-synth noise --color pink --level -6 --bits 32f --duration 3 -o pink.wav
like "$(sox --i -e pink.wav)" "Floating Point" "32-bit float WAV"
near "$(stat_of pink.wav 'Maximum amplitude')" 0.501187 0.000002 "pink noise peak exactly -6 dBFS"
ok "gendyn float" grym-synth gendyn --duration 2 --level -10 --seed 4 --bits 32f -o g.wav
near "$(stat_of g.wav 'Maximum amplitude')" 0.316228 0.000002 "gendyn peak exactly -10 dBFS"

# EBU Tech 3341 case 3 in one command
ok "EBU 3341-3 sequence" grym-synth sine --freq 1000 --level -36 --duration 10 \
	--then sine --freq 1000 --level -23 --duration 60 \
	--then sine --freq 1000 --level -36 --duration 10 --rate 48000 --channels 2 -o 3341-3.wav
is "$(sox --i -s 3341-3.wav)" 3840000 "80 s at 48 kHz"
is "$(sox --i -c 3341-3.wav)" 2 "stereo"
lufs=$(ffmpeg -nostats -i 3341-3.wav -af ebur128 -f null - 2>&1 | awk '$1 == "I:" { v = $2 } END { print v }')
near "$lufs" -23.0 0.1 "ffmpeg ebur128 reads -23.0 LUFS"

# determinism
grym-synth noise --seed 5 --duration 1 -o n1.wav
grym-synth noise --seed 5 --duration 1 -o n2.wav
grym-synth noise --seed 6 --duration 1 -o n3.wav
ok "same seed, same bytes" cmp n1.wav n2.wav
fails 1 "another seed, other bytes" cmp -s n1.wav n3.wav
grym-synth cloud --seed 9 --duration 1 >c1.wav
grym-synth cloud --seed 9 --duration 1 >c2.wav
ok "cloud deterministic through stdout" cmp c1.wav c2.wav

# sieve rhythm: (8@0|8@3|8@6)&(5@2) on a 10 ms grid: 30 clicks in 4 s at k*480
ok "sieve rhythm" grym-synth impulse --sieve '(8@0|8@3|8@6)&(5@2)' --grid 0.01 --duration 4 \
	--level 0 --bits 32f -o clicks.wav
clicks=$(/usr/bin/python3 -c '
import soundfile, numpy
x, r = soundfile.read("clicks.wav")
nz = numpy.nonzero(x)[0]
k = nz / 480
ok = all(float(v).is_integer() and v % 40 in (22, 27, 32) for v in k)
print(len(nz), "ok" if ok else "bad")')
is "$clicks" "30 ok" "30 clicks, all on sieve points"

# records
grym-synth sine --duration 0.01 --rate 8000 --records --text --name beep >rec.txt
head -1 rec.txt | cut -f1 >key.txt
is "$(cat key.txt)" "#beep" "record key from --name"
like "$(head -1 rec.txt)" '"recipe":\{"stage":"synth","rate":8000,"channels":1,"segments":\[\{"generator":"sine"' "recipe in the metadata"
like "$(head -1 rec.txt)" '"pipeline":\[\{"stage":"synth"' "pipeline starts with the synth stage"
is "$(grep -vc '^#' rec.txt)" 80 "80 frames of 10 ms at 8 kHz"
ok "binary records" grym-synth gendyn --records --duration 0.1 -o rec.bin
is "$(head -c 4 rec.bin)" "GRYM" "binary record magic"

# dataset
ok "dataset" grym-synth --rate 16000 dataset --classes 3 --per-class 4 data
is "$(find data -name '*.wav' | wc -l | tr -d ' ')" 12 "3 x 4 files"
is "$(ls data | tr '\n' ' ')" "chirp-down chirp-up tone " "one folder per class"
check "names class-NNN.wav" test -f data/chirp-up/chirp-up-003.wav
is "$(sox --i -r data/tone/tone-000.wav)" 16000 "at --rate"
ok "dataset again" grym-synth --rate 16000 dataset --classes 3 --per-class 4 data2
ok "dataset deterministic" cmp data/chirp-down/chirp-down-002.wav data2/chirp-down/chirp-down-002.wav
fails 1 "items differ" cmp -s data/tone/tone-000.wav data/tone/tone-001.wav
# The README's "fresh clips made with another seed": seed 7 and seed 1
# (and seeds 1 and 2) share no clip, byte for byte; the same seed gives
# the same bytes.
grym-synth dataset --classes 3 --per-class 8 --seed 1 s1 &&
grym-synth dataset --classes 3 --per-class 8 --seed 1 s1b &&
grym-synth dataset --classes 3 --per-class 2 --seed 7 s7 &&
grym-synth dataset --classes 3 --per-class 8 --seed 2 s2
check "same seed, identical bytes" diff -r s1 s1b
shared() { # DIR_A DIR_B: how many clips of B equal a clip of A
	cksum "$1"/*/*.wav | awk '{ print $1, $2 }' | sort -u >a.sum
	cksum "$2"/*/*.wav | awk '{ print $1, $2 }' | sort -u >b.sum
	comm -12 a.sum b.sum | wc -l | tr -d ' '
}
is "$(shared s1 s7)" 0 "no clip of seed 7 equals a clip of seed 1"
is "$(shared s1 s2)" 0 "seeds 1 and 2 share no clip"
is "$(shared s1 s1b)" 24 "(the comparison sees equal clips)"
grym-synth --rate 16000 dataset --classes 2 --per-class 2 --records --text | grep '^#' | cut -f1 >keys.txt
is "$(tr '\n' ' ' <keys.txt)" "#tone-000 #tone-001 #chirp-up-000 #chirp-up-001 " "dataset as records"

# option order: output options anywhere, segment options after their word
ok "options in any order" grym-synth -o mixed.wav sine --level=-6 -f 500 --then noise -d 0.5 -r 8000 -c 2 --duration 0.25
is "$(sox --i -s mixed.wav)" 10000 "1 s + 0.25 s at 8 kHz (--duration after -d wins)"
is "$(sox --i -c mixed.wav)" 2 "-c after the last generator holds for all"
ok "dataset options after the directory" grym-synth dataset ds --classes 1 --per-class 2 -r 16000
is "$(ls ds/tone | tr '\n' ' ')" "tone-000.wav tone-001.wav " "two items of one class"

# errors
fails 2 "unknown generator" grym-synth sinus
fails 2 "option not for this generator" grym-synth sine --color pink
fails 2 "frequency above Nyquist" grym-synth sine --freq 30000 --rate 48000 -o x.wav
check "nothing written on a usage error" test ! -e x.wav
fails 2 "bad sieve" grym-synth impulse --sieve '(8@0|8@3'
like "$(cat .err)" "column 9: expected '\)'" "sieve error names the column"
fails 2 "--then at the end" grym-synth sine --then
fails 2 "--then followed by an option" grym-synth sine --then --freq 3
fails 2 "two generators without --then" grym-synth sine noise
fails 2 "level above 0" grym-synth sine --level 3
fails 2 "a bad late segment fails before anything is written" grym-synth sine -d 5 --then gendyn --freq-min 500 --freq-max 100 -o late.wav
like "$(cat .err)" "segment 2: frequency range 500..100" "names the segment"
check "nothing written" test ! -e late.wav
fails 1 "missing grain source" grym-synth cloud --source nope.wav -o y.wav
check "nothing left under -o after a failure" test ! -e y.wav
done_testing
