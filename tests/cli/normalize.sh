#!/bin/sh
# normalize.sh — grym-normalize as a filter: in sox and ffmpeg pipelines,
# every gain mode to its exact level, resampling, mixing, filters, trim,
# fades, output formats, --measure --json, and bad input.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 87

PY=/usr/bin/python3
# jget FILE KEY: one key of --measure --json ("null" when undefined)
jget() { grym-normalize --measure --json "$1" | $PY -c "import json,sys; v=json.load(sys.stdin)['$2']; print('null' if v is None else v)"; }
# ffmpeg's integrated loudness of a file
ff_i() { ffmpeg -nostdin -hide_banner -nostats -i "$1" -af ebur128 -f null - 2>&1 | awk '$1 == "I:" { v = $2 } END { print v }'; }

sox -n -r 44100 -c 2 -b 16 pink.wav synth 10 pinknoise vol 0.2 fade 0 10 1
sox -n -r 44100 -c 2 -b 16 tone.wav synth 3 sine 1000 vol 0.5

# --- filter mode in pipelines, measured by ffmpeg ---
sox pink.wav -t wav - | grym-normalize --lufs -16 | sox -t wav - sox-out.wav 2>/dev/null
near "$(ff_i sox-out.wav)" -16 0.1 "sox | grym-normalize --lufs -16 | sox: ffmpeg reads -16 LUFS"
ffmpeg -nostdin -v error -i pink.wav -f wav - | grym-normalize >ff-out.wav
near "$(ff_i ff-out.wav)" -23 0.1 "ffmpeg | grym-normalize (bare = -23 LUFS): ffmpeg reads -23"
near "$(jget ff-out.wav integrated_lufs)" -23 0.05 "and grym reads -23 too"
grym-normalize --lufs -20 < pink.wav | ffmpeg -nostdin -v error -i - -y ff2.flac
near "$(ff_i ff2.flac)" -20 0.1 "grym-normalize < file | ffmpeg -i -: -20 LUFS"
ok "-o FILE and a path argument" grym-normalize --lufs -18 -o o18.flac pink.wav
near "$(ff_i o18.flac)" -18 0.1 "-o o18.flac is FLAC at -18 LUFS"
like "$(soxi -t o18.flac)" "flac" "type from -o's extension"

# --- exact levels ---
grym-normalize --peak -3 --bits 32f < pink.wav >p3.wav
near "$(jget p3.wav sample_peak_dbfs)" -3 0.001 "--peak -3: sample peak -3.000 dBFS"
grym-normalize --rms -20 --bits 32f < pink.wav >r20.wav
near "$(jget r20.wav rms_dbfs)" -20 0.001 "--rms -20: RMS -20.000 dBFS"
grym-normalize --rms -3.0103 --bits 32f < tone.wav >rtone.wav
near "$(jget rtone.wav sample_peak_dbfs)" 0 0.01 "--rms -3.01 on a sine gives a full-scale sine (sox's RMS convention)"
grym-normalize --gain -6 --bits 32f < tone.wav >g6.wav
near "$(jget g6.wav sample_peak_dbfs)" "$(awk 'BEGIN { print 20 * log(0.5) / log(10) - 6 }')" 0.001 "--gain -6"

# --- true-peak ceiling: lowered gain, or the limiter ---
grym-normalize --lufs -6 < pink.wav >loud.wav 2>loud.err
like "$(cat loud.err)" "gain lowered from \+[0-9.]+ to \+[0-9.]+ dB to keep the true peak at -1.0 dBTP" "says the gain was lowered"
tp=$(jget loud.wav true_peak_dbtp)
satisfies "$tp" 'v <= -0.99' "lowered gain: true peak $tp <= -1 dBTP"
grym-normalize --lufs -10 --limit < pink.wav >lim.wav 2>lim.err
like "$(cat lim.err)" "limiter held the true peak at -1.0 dBTP" "--limit says the limiter ran"
tp=$(jget lim.wav true_peak_dbtp)
satisfies "$tp" 'v <= -0.95' "limited: true peak $tp <= -0.95 dBTP"
near "$(jget lim.wav integrated_lufs)" -10 0.5 "limited: loudness near -10 LUFS"
same "$(soxi -s lim.wav)" "$(soxi -s pink.wav)" "limiter keeps every frame"

# --- rate, channels, format ---
grym-normalize --rate 48000 < tone.wav >r48.wav
is "$(soxi -r r48.wav)" 48000 "--rate 48000: output rate"
is "$(soxi -s r48.wav)" 144000 "--rate 48000: 3 s are 144000 frames"
near "$(jget r48.wav integrated_lufs)" -23 0.05 "--rate keeps the loudness target"
sox -n -r 44100 -c 2 lr.wav synth 2 sine 1000 vol 0.5 remix 1 0
grym-normalize --mono --gain 0 --bits 32f < lr.wav >mono.wav
is "$(soxi -c mono.wav)" 1 "--mono: one channel"
near "$(jget mono.wav sample_peak_dbfs)" "$(awk 'BEGIN { print 20 * log(0.25) / log(10) }')" 0.01 "--mono is the channel mean (0.5 and 0 -> 0.25)"
grym-normalize --channels 2 < mono.wav >st.wav
is "$(soxi -c st.wav)" 2 "--channels 2 from mono"
fails 1 "--channels 3 from stereo is refused" grym-normalize --channels 3 -o ch3.wav tone.wav
like "$(cat .err)" "cannot map 2 channels to 3" "and says why"
check "nothing written on failure" test ! -e ch3.wav
grym-normalize --bits 16 < r20.wav >b16.wav
is "$(soxi -b b16.wav)" 16 "--bits 16: 16-bit output"
like "$(soxi -e b16.wav)" "Signed Integer" "--bits 16: integer PCM"
grym-normalize --bits 24 < tone.wav >b24.wav
is "$(soxi -b b24.wav)" 24 "--bits 24"
is "$(soxi -b ff-out.wav)" 16 "default: 16-bit input gives 16-bit output"
grym-normalize --bits 32f < tone.wav >bf.wav
like "$(soxi -e bf.wav)" "Floating Point" "--bits 32f: float output"
# a float, 24-bit or multichannel WAV file carries WAVE_FORMAT_EXTENSIBLE
# (tag 0xFFFE at byte 20), as sox and ffmpeg write it; sox reads it
# without "wave header missing extended part of fmt chunk"
fmt_tag() { od -An -tx1 -j20 -N2 "$1" | tr -d ' '; }
grym-normalize --bits 32f -o bf-file.wav tone.wav
is "$(fmt_tag bf-file.wav)" "0300" "float WAV file: WAVE_FORMAT_IEEE_FLOAT"
is "$(od -An -tu2 -j16 -N2 bf-file.wav | tr -d ' ')" "18" "float WAV file: fmt with its extended part (cbSize)"
is "$(sox -V2 bf-file.wav -n 2>&1)" "" "sox reads the float WAV without a warning"
grym-normalize --bits 24 -o b24-file.wav tone.wav
is "$(fmt_tag b24-file.wav)" "feff" "24-bit WAV file: WAVE_FORMAT_EXTENSIBLE"
grym-normalize --bits 16 -o b16-file.wav tone.wav
is "$(fmt_tag b16-file.wav)" "0100" "16-bit stereo or mono WAV file: plain PCM"
grym-normalize --bits 32f < tone.wav >bf-pipe.wav
is "$(sox -V2 bf-pipe.wav -n 2>&1)" "" "sox reads a float WAV written to a pipe without a warning"
sox -n -c 4 -r 48000 quad.wav synth 0.5 sine 440
grym-normalize --gain 0 --bits 32f -o quad-f.wav quad.wav
is "$(fmt_tag quad-f.wav)" "feff" "4-channel float WAV: WAVE_FORMAT_EXTENSIBLE (a channel mask)"
is "$(soxi -c quad-f.wav) $(soxi -s quad-f.wav)" "4 24000" "sox reads its channels and length"
# sizes filled in: the data chunk ends where the file ends
for f in bf-file b24-file b16-file; do
	is "$(/usr/bin/python3 -c "
import wave, sys, struct
d = open('$f.wav', 'rb').read()
riff = struct.unpack('<I', d[4:8])[0]
i = d.index(b'data'); n = struct.unpack('<I', d[i+4:i+8])[0]
print(riff + 8 == len(d) and i + 8 + n == len(d))")" "True" "$f: RIFF and data sizes match the file"
done

# --- filters, DC, trim, fades ---
grym-normalize --lowpass 1000 --gain 0 --bits 32f < tone.wav >lp.wav
near "$(jget lp.wav rms_dbfs)" "$(awk 'BEGIN { print 20 * log(0.5) / log(10) - 3.0103 - 3.0103 }')" 0.05 "--lowpass 1000: a 1 kHz sine loses 3.01 dB"
grym-normalize --highpass 4000 --order 4 --gain 0 --bits 32f < tone.wav >hp.wav
r=$(jget hp.wav rms_dbfs)
satisfies "$r" 'v < -50' "--highpass 4000 --order 4: a 1 kHz sine drops below -50 dB ($r)"
sox tone.wav dc.wav dcshift 0.2
near "$(jget dc.wav dc_offset | tr -d '[]' | cut -d, -f1)" 0.2 0.01 "test signal has 0.2 DC"
grym-normalize --dc --gain 0 --bits 32f < dc.wav >nodc.wav
d=$(jget nodc.wav dc_offset | tr -d '[]' | cut -d, -f1)
satisfies "$d" 'v < 0.005 && v > -0.005' "--dc removes it ($d)"
sox -n -r 44100 -c 1 sil1.wav trim 0 1
sox -n -r 44100 -c 1 ton1.wav synth 2 sine 440 vol 0.5
sox sil1.wav ton1.wav sil1.wav padded.wav
grym-normalize --trim-silence -50 --gain 0 < padded.wav >trimmed.wav
frames=$(soxi -s trimmed.wav)
satisfies "$frames" 'v > 88100 && v <= 88200' "--trim-silence -50: 4 s become about 2 s ($frames frames)"
grym-normalize --fade-in 0.5 --fade-out 0.5 --gain 0 --bits 32f < ton1.wav >fade.wav
first=$(sox fade.wav -t f32 - trim 0 1s | od -An -f | tr -d ' ')
is "$first" "0" "--fade-in: the first sample is 0"
near "$(sox fade.wav -n trim 1 0.2 stat 2>&1 | awk '/Maximum amplitude/ { print $3 }')" 0.5 0.001 "the middle is untouched"
near "$(sox fade.wav -n trim 0 0.05 stat 2>&1 | awk '/Maximum amplitude/ { print $3 }')" 0.0125 0.01 "the first 50 ms are faded"

# --- --measure ---
out=$(grym-normalize --measure --json pink.wav tone.wav)
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 2 "--measure --json: one line per input"
keys=$(printf '%s\n' "$out" | head -1 | $PY -c "import json,sys; d=json.load(sys.stdin); print(' '.join(k for k in ['integrated_lufs','loudness_range_lu','true_peak_dbtp','sample_peak_dbfs','rms_dbfs'] if isinstance(d.get(k), float)))")
is "$keys" "integrated_lufs loudness_range_lu true_peak_dbtp sample_peak_dbfs rms_dbfs" "--json has the five keys as numbers"
near "$(jget tone.wav rms_dbfs)" "$(awk 'BEGIN { print 20 * log(0.5) / log(10) - 3.0103 }')" 0.01 "RMS of a -6 dBFS sine is -9.03 dB"
sox -n -r 44100 -c 2 silence.wav trim 0 2
is "$(grym-normalize --measure --json silence.wav | $PY -c "import json,sys; d=json.load(sys.stdin); print(d['integrated_lufs'], d['true_peak_dbtp'], d['sample_peak_dbfs'], d['rms_dbfs'])")" \
	"None None None None" "silence: every level is null"
like "$(grym-normalize --measure pink.wav tone.wav)" "^ +LUFS +LRA +dBTP +peak +RMS +FILE" "table header"
like "$(grym-normalize --measure < tone.wav)" "-[0-9.]+ +[-0-9.]+ +-6\.0[0-9] +-6\.02 +-9\.03 +-" "table row for stdin"

# --- bad input ---
sox -n -r 44100 -c 2 -b 16 ..one.wav trim 0 1s 2>/dev/null
$PY -c "
import struct,sys
def wav(path, rate, ch, samples, fmt=3, bits=32, pack='f'):
    data = b''.join(struct.pack('<'+pack, s) for s in samples)
    hdr = b'RIFF' + struct.pack('<I', 36 + len(data)) + b'WAVE' + b'fmt ' + struct.pack('<IHHIIHH', 16, fmt, ch, rate, rate*ch*bits//8, ch*bits//8, bits) + b'data' + struct.pack('<I', len(data))
    open(path, 'wb').write(hdr + data)
wav('one.wav', 44100, 1, [0.5])
wav('nan.wav', 44100, 1, [0.1]*1000 + [float('nan')] + [0.1]*1000)
wav('inf.wav', 44100, 1, [0.1]*1000 + [float('inf')])
wav('rate1.wav', 1, 1, [0.1]*10)
wav('rate10M.wav', 10000000, 1, [0.1]*1000)
"
fails 1 "silence with --on-silence fail exits 1" grym-normalize --on-silence fail -o x.wav silence.wav
like "$(cat .err)" "grym-normalize: silence.wav: loudness undefined \(silence" "and says the loudness is undefined"
check "nothing written" test ! -e x.wav
fails 1 "--on-silence skip writes nothing and exits 1" grym-normalize --on-silence skip -o x.wav silence.wav
check "nothing written for skip" test ! -e x.wav
ok "--on-silence pass (default) passes silence through" grym-normalize -o pass.wav silence.wav
like "$(cat .err)" "level undefined \(silence\); passed through without gain" "with a warning"
is "$(soxi -s pass.wav)" 88200 "unchanged length"
ok "a 1-sample file passes (loudness undefined)" grym-normalize -o one-out.wav one.wav
is "$(soxi -s one-out.wav)" 1 "1 sample out"
fails 1 "a NaN sample is an error" grym-normalize -o x.wav nan.wav
like "$(cat .err)" "nan.wav: non-finite sample" "and says so"
fails 1 "an Inf sample is an error" grym-normalize inf.wav
fails 1 "a 1 Hz file is refused" grym-normalize rate1.wav
like "$(cat .err)" "rate1.wav: .*(1 Hz|sample rate)" "with the rate named"
fails 1 "a 10 MHz file is refused" grym-normalize rate10M.wav
like "$(cat .err)" "rate10M.wav: .*(10000000 Hz|sample rate)" "with the rate named"
grym-normalize --bits 16 --seed 7 < pink.wav >s7a.wav
grym-normalize --bits 16 --seed 7 < pink.wav >s7b.wav
grym-normalize --bits 16 --seed 8 < pink.wav >s8.wav
ok "same input, options and seed: the same bytes" cmp s7a.wav s7b.wav
fails 1 "another seed: other dither" cmp -s s7a.wav s8.wav
echo "not audio at all" >text.txt
fails 1 "text is not audio" grym-normalize --measure text.txt
head -c 3000 /dev/urandom >junk.bin
fails 1 "random bytes are not audio" grym-normalize junk.bin
fails 1 "missing file" grym-normalize no-such.wav
like "$(cat .err)" "^grym-normalize: no-such.wav: " "error names the input"
fails 1 "empty stdin" grym-normalize </dev/null
fails 2 "two gain modes are a usage error" grym-normalize --lufs -23 --peak -1
fails 2 "--bits 8 is a usage error" grym-normalize --bits 8
fails 2 "--rate 1 is a usage error" grym-normalize --rate 1
fails 2 "--rate 10000000 is a usage error" grym-normalize --rate 10000000
fails 2 "--json without --measure" grym-normalize --json
fails 1 "--measure: one bad input gives exit 1" grym-normalize --measure tone.wav no-such.wav
like "$(cat .out)" "tone.wav" "and the good one is still measured"
done_testing
