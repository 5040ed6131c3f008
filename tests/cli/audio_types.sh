#!/bin/sh
# audio_types.sh — every program that writes audio writes the type its
# -t or -o extension names (wav, flac, ogg, mp3, opus, m4a), checked by
# ffprobe, or refuses: an unknown extension (or none) is a usage error
# (exit 2) and nothing is written. grym-normalize once wrote a PCM WAV
# named x.mp3 and exited 0.
. "$GRYM_TOP/tests/lib/cli.sh"

probe() { # FILE: container|codec as ffprobe sees it
	ffprobe -v error -show_entries format=format_name:stream=codec_name \
		-of default=nw=1:nk=1 "$1" | tr '\n' '|' | sed 's/|$//'
}
want() { # EXT: what ffprobe reports (codec line comes first)
	case $1 in
	wav) echo "pcm_s16le|wav" ;; flac) echo "flac|flac" ;; ogg) echo "vorbis|ogg" ;;
	mp3) echo "mp3|mp3" ;; opus) echo "opus|ogg" ;; m4a) echo "aac|mov,mp4,m4a,3gp,3g2,mj2" ;;
	esac
}

grym-synth sine --freq 440 --level -6 --duration 3 --rate 44100 -o in.wav
for ext in wav flac ogg mp3 opus m4a; do
	ok "grym-normalize -o x.$ext" grym-normalize --lufs -23 --bits 16 -o "n.$ext" in.wav
	is "$(probe "n.$ext")" "$(want $ext)" "grym-normalize: n.$ext is really $ext"
	ok "grym-synth -o s.$ext" grym-synth sine --duration 0.5 --bits 16 -o "s.$ext"
	is "$(probe "s.$ext")" "$(want $ext)" "grym-synth: s.$ext is really $ext"
	# -t on a pipe (M4A fragmented, MP3 without the Xing header)
	grym-normalize --lufs -23 --bits 16 -t $ext <in.wav >"p.$ext"
	is "$(probe "p.$ext")" "$(want $ext)" "grym-normalize -t $ext to a pipe"
	# the file decodes to the level it was normalized to: exactly for
	# the lossless types, for the lossy ones as ffmpeg's own encode of the
	# same WAV (libmp3lame takes 0.45 LU off this tone either way)
	got=$(grym-normalize --measure --json "n.$ext" | jq .integrated_lufs)
	case $ext in
	wav|flac) near "$got" -23 0.05 "n.$ext measures -23 LUFS" ;;
	*)	ffmpeg -nostdin -v error -i n.wav "ff.$ext"
		near "$got" "$(grym-normalize --measure --json "ff.$ext" | jq .integrated_lufs)" 0.1 \
			"n.$ext measures as ffmpeg's $ext of the same audio ($got LUFS)" ;;
	esac
done
is "$(ffprobe -v error -show_entries stream=sample_rate -of default=nw=1:nk=1 n.opus)" 48000 \
	"Opus at 44.1 kHz is resampled to 48 kHz (Opus has no 44.1)"
grym-synth sine -o a.mp3 && grym-synth sine -o b.mp3
ok "the same audio gives the same MP3 bytes" cmp a.mp3 b.mp3
grym-synth sine -o a.m4a && grym-synth sine -o b.m4a
ok "the same audio gives the same M4A bytes" cmp a.m4a b.m4a

# refusals: exit 2, nothing written
for bad in x.xyz x.aiff x.mp2 noext; do
	fails 2 "grym-normalize -o $bad refused" grym-normalize --lufs -23 -o "$bad" in.wav
	like "$(cat .err)" "^grym-normalize: $bad: (cannot write audio as|no extension)" \
		"grym-normalize names $bad and the problem"
	check "grym-normalize: $bad not written" test ! -e "$bad"
	fails 2 "grym-synth -o $bad refused" grym-synth sine -o "$bad"
	check "grym-synth: $bad not written" test ! -e "$bad"
done
fails 2 "grym-normalize -t mp2 refused" grym-normalize --lufs -23 -t mp2 -o y.wav in.wav
like "$(cat .err)" "--type: unknown value 'mp2' \(one of: wav, flac, ogg, mp3, opus, m4a\)" "the message names the type and the types"
check "nothing written for -t mp2" test ! -e y.wav
fails 2 "grym-synth -t mp2 refused" grym-synth sine -t mp2 -o y.wav
check "grym-synth: nothing written for -t mp2" test ! -e y.wav
fails 2 "stdin spooled, then refused" sh -c 'grym-normalize --lufs -23 -o z.xyz <in.wav'
check "no z.xyz" test ! -e z.xyz
fails 1 "MP3 of 3 channels refused" grym-synth sine --channels 3 -o c3.mp3
like "$(cat .err)" "mp3 holds at most 2 channels, not 3" "the message says why"
check "c3.mp3 not written" test ! -e c3.mp3

# grym-synth dataset names its files for -t
ok "dataset -t flac" grym-synth dataset --classes 1 --per-class 1 -t flac ds
is "$(ls ds/tone)" "tone-000.flac" "dataset -t flac writes .flac"
is "$(probe ds/tone/tone-000.flac)" "flac|flac" "and it is FLAC"
done_testing
