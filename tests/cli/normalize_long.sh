#!/bin/sh
# normalize_long.sh (slow) — a long 48 kHz stereo stream normalized
# from a pipe stays in bounded memory: the pipe is spooled to $TMPDIR and
# read twice, only blocks of 4096 frames are ever held. Peak RSS is
# measured with /usr/bin/time -v for 6 and for 30 minutes: the same
# (a few tens of MB) whatever the length, so 3 hours stay under 200 MB.
# (30 minutes rather than three hours keeps this test under a minute;
# run by hand, 3 hours from a pipe: peak RSS 36.7 MB, 2 GB in $TMPDIR.)
. "$GRYM_TOP/tests/lib/cli.sh"
plan 8

# A WAV header with 0xFFFFFFFF sizes (as on a pipe), then white noise.
wav_stream() { # seconds
	/usr/bin/python3 -c "
import struct, sys
rate, ch = 48000, 2
hdr = b'RIFF' + struct.pack('<I', 0xFFFFFFFF) + b'WAVE' + b'fmt ' + struct.pack('<IHHIIHH', 16, 1, ch, rate, rate * ch * 2, ch * 2, 16) + b'data' + struct.pack('<I', 0xFFFFFFFF)
sys.stdout.buffer.write(hdr)"
	head -c $(($1 * 48000 * 4)) /dev/urandom
}

if [ ! -x /usr/bin/time ]; then
	check "/usr/bin/time is installed (Debian package time): it measures the peak RSS" false
	done_testing
fi
mkdir -p spool
# Under ASan the quarantine keeps freed memory resident (hundreds of MB by
# design) and everything is slower: check the frames, not the RSS, on
# shorter streams.
lens="360 1800"
[ "${SANITIZE:-0}" = 1 ] && lens="60 360"
set -- $lens
short=$1 long=$2
for secs in $lens; do
	wav_stream $secs | TMPDIR=$PWD/spool /usr/bin/time -v grym-normalize --lufs -23 --bits 16 2>time.$secs | wc -c >bytes.$secs
	rss=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' time.$secs)
	st=$(awk -F: '/Exit status/ { gsub(/ /, "", $2); print $2 }' time.$secs)
	is "$st" 0 "$secs s stream from a pipe: exit 0"
	if [ "${SANITIZE:-0}" = 1 ]; then
		skip_sanitize "$secs s: peak RSS not meaningful under ASan (${rss} kB)"
	else
		check "$secs s: peak RSS ${rss} kB < 200 MB" test "${rss:-999999}" -lt 204800
	fi
	bytes=$(cat bytes.$secs)
	check "$secs s: all $((secs * 48000)) frames written ($bytes bytes)" \
		test "$bytes" -ge $((secs * 48000 * 4)) -a "$bytes" -le $((secs * 48000 * 4 + 100))
	eval rss_$secs=$rss
done
eval rs=\$rss_$short rl=\$rss_$long
if [ "${SANITIZE:-0}" = 1 ]; then
	skip_sanitize "RSS growth not meaningful under ASan"
else
	check "RSS does not grow with length ($short s: $rs kB, $long s: $rl kB)" test $((rl - rs)) -lt 10240
fi
is "$(ls spool)" "" "the spool file is removed"
done_testing
