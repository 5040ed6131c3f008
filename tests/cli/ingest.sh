#!/bin/sh
# ingest.sh — grym-ingest on files and directories: records, labels,
# duplicates, the exact catalog contents, idempotent re-runs, stdin,
# --from-list -0, -j order, --probe.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 75

recs() { /usr/bin/python3 "$GRYM_TOP/tests/cli/ingest_records.py"; }
db() { sqlite3 "$GRYM_CATALOG/catalog.db" "$1"; }
sha() { sha256sum "$1" | cut -c1-64; }

mkdir -p corpus/dog corpus/cat/deep
sox -n -r 16000 -b 16 corpus/dog/a.wav synth 0.5 sine 440
sox -n -r 22050 -b 24 -c 2 corpus/cat/b.flac synth 0.25 sine 880
cp corpus/dog/a.wav corpus/cat/deep/same-as-a.wav
sox -n -r 8000 -b 16 corpus/cat/c.wav synth 0.125 sine 300
echo "not audio" >corpus/dog/README.txt
printf 'resource fork' >corpus/dog/._a.wav          # hidden: left out
mkdir -p corpus/.cache && printf 'x' >corpus/.cache/y.wav
A=$(sha corpus/dog/a.wav); B=$(sha corpus/cat/b.flac); C=$(sha corpus/cat/c.wav)

# --- a directory, labels from folders, text output --------------------
ok "ingest a directory" grym-ingest --text --label-from-dir --label zoo corpus
is "$(cat .out)" "$B	corpus/cat/b.flac	zoo,cat
$C	corpus/cat/c.wav	zoo,cat
$A	corpus/cat/deep/same-as-a.wav	zoo,deep
$A	corpus/dog/a.wav	zoo,deep,dog" \
	"text lines in sorted walk order; duplicate content again only because its second name adds a label"
is "$(cat .err)" "grym-ingest: ingested 3, already known 1, failed 0" "summary on stderr"
ok "the same content twice, no new label" grym-ingest --text corpus/cat/c.wav corpus/cat/c.wav
is "$(cat .out)" "$C	corpus/cat/c.wav	zoo,cat" "gives one line"

is "$(db 'SELECT count(*) FROM assets')" 3 "three assets"
is "$(db "SELECT kind, object = id, format, codec, sample_rate, channels, bits, frames, duration, bytes FROM assets WHERE id = '$B'")" \
	"source|1|flac|flac|22050|2|24|5512|0.249977324263039|$(stat -c %s corpus/cat/b.flac)" "flac asset row"
is "$(db "SELECT format, codec, sample_rate, channels, bits, frames FROM assets WHERE id = '$A'")" \
	"wav|pcm_s16le|16000|1|16|8000" "wav asset row"
is "$(db "SELECT group_concat(path, ' ') FROM (SELECT path FROM asset_paths WHERE asset = '$A' ORDER BY path)")" \
	"corpus/cat/deep/same-as-a.wav corpus/dog/a.wav" "same bytes under two names: one asset with both paths"
is "$(db "SELECT group_concat(label, ' ') FROM (SELECT label FROM asset_labels WHERE asset = '$A' ORDER BY label)")" \
	"deep dog zoo" "and the union of labels"
check "objects stored under their hash" cmp "$GRYM_CATALOG/objects/$(echo $A | cut -c1-2)/$A" corpus/dog/a.wav
is "$(find "$GRYM_CATALOG/objects" -type f | wc -l)" 3 "three objects"
is "$(find "$GRYM_CATALOG/tmp" -type f | wc -l)" 0 "no temporary files left"

# --- re-running changes nothing ----------------------------------------
before=$(db "SELECT * FROM assets; SELECT * FROM asset_paths; SELECT * FROM asset_labels; SELECT * FROM asset_meta")
ok "re-run" grym-ingest --text --label-from-dir --label zoo corpus
is "$(cat .err)" "grym-ingest: ingested 0, already known 4, failed 0" "re-run: everything known"
same "$(db "SELECT * FROM assets; SELECT * FROM asset_paths; SELECT * FROM asset_labels; SELECT * FROM asset_meta")" \
	"$before" "re-run: catalog unchanged"
like "$(head -n 1 .out)" "^$B	corpus/cat/b.flac	zoo,cat$" "known assets still get records"

# --- binary records (the default) --------------------------------------
ok "binary records" sh -c 'grym-ingest corpus/dog/a.wav corpus/cat/b.flac >recs.bin'
is "$(recs <recs.bin)" \
"$A	0	{\"asset\":\"$A\",\"channels\":1,\"codec\":\"pcm_s16le\",\"duration\":0.5,\"format\":\"wav\",\"frames\":8000,\"labels\":[\"zoo\",\"deep\",\"dog\"],\"meta\":{},\"path\":\"corpus/dog/a.wav\",\"paths\":[\"corpus/cat/deep/same-as-a.wav\",\"corpus/dog/a.wav\"],\"rate\":16000}
$B	0	{\"asset\":\"$B\",\"channels\":2,\"codec\":\"flac\",\"duration\":0.24997732426303854,\"format\":\"flac\",\"frames\":5512,\"labels\":[\"zoo\",\"cat\"],\"meta\":{},\"path\":\"corpus/cat/b.flac\",\"paths\":[\"corpus/cat/b.flac\"],\"rate\":22050}" \
	"reference records carry asset, path, paths, labels, meta and properties"
ok "-o FILE" grym-ingest -o out.bin corpus/dog/a.wav
same "$(recs <out.bin)" "$(recs <recs.bin | sed -n 1p)" "-o wrote the same record"

# --- --match ------------------------------------------------------------
ok "--match" grym-ingest --text --match 'c.*' corpus
is "$(cut -f2 .out)" "corpus/cat/c.wav" "--match takes only matching names"
ok "--match with a path" grym-ingest --text --match 'cat/deep/*' corpus
is "$(cut -f2 .out)" "corpus/cat/deep/same-as-a.wav" "a glob with / matches the relative path"

# --- stdin ---------------------------------------------------------------
sox -n -r 16000 -b 16 -t wav - synth 0.3 sine 1000 >piped.wav
P=$(sha piped.wav)
ok "stdin" sh -c 'sox piped.wav -t wav - | grym-ingest --text --label piped -'
is "$(cat .out)" "$P	-	piped" "stdin: id of the bytes, path -"
is "$(db "SELECT frames, sample_rate FROM assets WHERE id = '$(sha piped.wav)'")" "4800|16000" "stdin asset decoded"
is "$(db "SELECT path FROM asset_paths WHERE asset = '$P'")" "-" "stdin is recorded as the origin path -"
ok "sox WAV with a placeholder length, from a pipe" sh -c 'sox -n -r 16000 -b 16 -t wav - synth 0.2 sine 440 | grym-ingest --text -'
like "$(cat .err)" "ingested 1, already known 0, failed 0" "placeholder length is not taken for truncation"
ok "ffmpeg WAV (0xFFFFFFFF sizes) from a pipe" sh -c 'ffmpeg -nostdin -v error -i corpus/dog/a.wav -f wav - | grym-ingest --text -'
like "$(cat .err)" "failed 0" "ffmpeg pipe WAV accepted"
ffmpeg -nostdin -v error -i corpus/dog/a.wav -c:a aac -b:a 64k m.m4a
M=$(sha m.m4a)
ok "m4a with moov at the end from stdin" sh -c 'cat m.m4a | grym-ingest --text -'
is "$(cut -f1 .out)" "$M" "m4a from a pipe ingested"
is "$(db "SELECT format, codec FROM assets WHERE id = '$M'")" "m4a|aac" "m4a properties"
ok "no operand reads stdin" sh -c 'grym-ingest --text < corpus/cat/c.wav'
is "$(cut -f1 .out)" "$C" "stdin by default"

# --- --from-list with -0, paths with spaces and newlines ---------------
mkdir -p "odd names"
cp corpus/cat/c.wav "odd names/with space.wav"
cp corpus/cat/b.flac "odd names/new
line.flac"
ok "--from-list -0" sh -c 'find "odd names" -type f -print0 | sort -z | grym-ingest -0 --text --from-list -'
is "$(cut -f1 .out | tr '\n' ' ')" "$B $C " "NUL-separated list (newline in a name survives)"
is "$(db "SELECT count(*) FROM asset_paths WHERE path = 'odd names/new
line.flac'")" 1 "the path with a newline is recorded exactly"
printf 'corpus/cat/c.wav\ncorpus/dog/a.wav\n' >list.txt
ok "--from-list FILE" grym-ingest --text --from-list list.txt
is "$(cut -f1 .out | tr '\n' ' ')" "$C $A " "newline-separated list, in order"

# --- -j 2 keeps the input order ----------------------------------------
mkdir -p many
i=0
while [ $i -lt 24 ]; do
	# varying lengths so that workers finish out of order
	sox -n -r 8000 -b 16 many/f$i.wav synth 0.$((9 - i % 9))1 sine $((200 + i * 37))
	i=$((i + 1))
done
ls many/*.wav | sort -r >rev.txt
ok "-j 2" grym-ingest -j 2 --text --from-list rev.txt
same "$(cut -f2 .out)" "$(cat rev.txt)" "-j 2: output in input order"
ok "-j 2 again, all known" grym-ingest -j 2 --text --from-list rev.txt
same "$(cut -f2 .out)" "$(cat rev.txt)" "-j 2 re-run: same order"
is "$(tail -n 1 .err)" "grym-ingest: ingested 0, already known 24, failed 0" "-j 2 re-run summary"

# --- -j 1, 3 and 256 (more threads than inputs): the same bytes --------
# each into a new catalog: binary records and messages, with a missing
# file and a text file in the batch. (Not the same audio twice: with
# both under way at once, the first one's record may already list the
# second one's path, as it would with two processes.)
echo text >notaudio.wav
{ head -n 12 rev.txt; echo missing.wav; echo notaudio.wav; tail -n 12 rev.txt; } >mix.txt
for j in 1 3 256; do
	GRYM_CATALOG="$PWD/cat-j$j" grym-ingest -j $j --label x --from-list mix.txt >mix$j.rec 2>mix$j.err
	echo $? >mix$j.st
done
is "$(cat mix1.st mix3.st mix256.st | tr '\n' ' ')" "1 1 1 " "-j 1, 3, 256: the failures fail each run"
is "$(tail -n 1 mix1.err)" "grym-ingest: ingested 24, already known 0, failed 2" "-j 1: 24 new, 2 failed"
for j in 3 256; do
	check "records: -j $j byte-identical to -j 1" cmp -s mix1.rec mix$j.rec
	check "messages: -j $j the same as -j 1" cmp -s mix1.err mix$j.err
done

# --- --probe -------------------------------------------------------------
ffmpeg -nostdin -v error -i corpus/dog/a.wav -metadata title="Dog Bark" -metadata ARTIST=Rex tagged.flac
ok "--probe" grym-ingest --probe tagged.flac
is "$(cat .out)" "path	tagged.flac
format	flac
codec	flac
rate	16000
channels	1
bits	16
frames	8000
duration	00:00:00.500
bit_rate	$(ffprobe -v error -show_entries format=bit_rate -of default=nw=1:nk=1 tagged.flac)
tag.title	Dog Bark
tag.artist	Rex
tag.encoder	$(ffprobe -v error -show_entries format_tags=encoder -of default=nw=1:nk=1 tagged.flac)" "probe prints properties and tags"
ok "--probe --json" grym-ingest --probe --json tagged.flac corpus/cat/b.flac
like "$(head -n 1 .out)" '^\{"path":"tagged.flac","format":"flac","codec":"flac","rate":16000,"channels":1,"bits":16,"frames":8000,"duration":0.5,' "probe --json"
like "$(sed -n 2p .out)" '"rate":22050,"channels":2,"bits":24,"frames":5512,' "probe --json second file"
n=$(db 'SELECT count(*) FROM assets')
ok "probe stores nothing" grym-ingest --probe corpus/dog/a.wav
is "$(db "SELECT count(*) FROM assets WHERE id = '$(sha tagged.flac)'")" 0 "probed file not in the catalog"
fails 1 "probe of a text file fails" grym-ingest --probe corpus/dog/README.txt
is "$(cat .err)" "grym-ingest: corpus/dog/README.txt: not audio (text file)" "probe error line"

# --- --replace-labels: labels follow the folders ---------------------------
mkdir -p rl/a rl/b
sox -n -r 8000 -b 16 rl/a/x.wav synth 0.2 sine 300
labels_of() { grym-catalog show "$(sha "$1")" | jq -r ".labels | sort | join(\" \")"; }
grym-ingest -q --label-from-dir rl/a/x.wav >/dev/null
mv rl/a/x.wav rl/b/x.wav
grym-ingest -q --label-from-dir rl/b/x.wav >/dev/null
is "$(labels_of rl/b/x.wav)" "a b" "without --replace-labels a moved clip gains a label"
ok "--replace-labels" grym-ingest -q --label-from-dir --replace-labels rl/b/x.wav
is "$(labels_of rl/b/x.wav)" "b" "with --replace-labels it has only its new folder's label"
cp rl/b/x.wav rl/a/x.wav
ok "--replace-labels over two copies" grym-ingest -q --label-from-dir --replace-labels rl/a/x.wav rl/b/x.wav
is "$(labels_of rl/b/x.wav)" "a b" "two copies of one audio in one run keep both labels"
ok "--replace-labels again" grym-ingest -q --label-from-dir --replace-labels rl/a/x.wav rl/b/x.wav
is "$(labels_of rl/b/x.wav)" "a b" "the same run again gives the same labels"
ok "-l with --replace-labels" grym-ingest -q -l only --replace-labels rl/a/x.wav
is "$(labels_of rl/a/x.wav)" "only" "-l L --replace-labels leaves exactly L"

# --- usage errors ----------------------------------------------------------
fails 2 "--jobs 0 is a usage error" grym-ingest -j 0 corpus
fails 2 "--max-bytes junk is a usage error" grym-ingest --max-bytes lots corpus
fails 2 "--json without --probe" grym-ingest --json corpus
done_testing
