#!/bin/sh
# ingest_archive.sh — datasets as archives (zip, tar, tar.gz, tar.xz, 7z)
# and manifests (CSV, TSV): members streamed into the store, never
# extracted; labels and metadata from the manifest; unsafe member names
# and archives that expand too far refused, the rest still ingested.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 53

db() { sqlite3 "$GRYM_CATALOG/catalog.db" "$1"; }
sha() { sha256sum "$1" | cut -c1-64; }

# A small dataset: two speakers, two words, a manifest with extra columns.
mkdir -p ds/yes ds/no
sox -n -r 16000 -b 16 ds/yes/s1.wav synth 0.2 sine 500
sox -n -r 16000 -b 16 ds/yes/s2.wav synth 0.2 sine 600
sox -n -r 16000 -b 16 ds/no/s1.wav synth 0.3 sine 700
ffmpeg -nostdin -v error -i ds/no/s1.wav -b:a 64k ds/no/s2.mp3
Y1=$(sha ds/yes/s1.wav); Y2=$(sha ds/yes/s2.wav); N1=$(sha ds/no/s1.wav); N2=$(sha ds/no/s2.mp3)
cat >ds/manifest.csv <<'EOF'
path,label,split,speaker,note
yes/s1.wav,yes,train,alice,
yes/s2.wav,yes,test,bob,"quoted, with comma"
no/s1.wav,no,train,alice,
no/s2.mp3,no,test,bob,""""
EOF

# --- a manifest alone: its rows are the inputs, paths relative to it ----
ok "--manifest alone" grym-ingest --text --manifest ds/manifest.csv
is "$(cat .out)" "$Y1	ds/yes/s1.wav	yes
$Y2	ds/yes/s2.wav	yes
$N1	ds/no/s1.wav	no
$N2	ds/no/s2.mp3	no" "manifest rows ingested in order with their labels"
is "$(db "SELECT key || '=' || value FROM asset_meta WHERE asset = '$Y2' ORDER BY key")" \
'note="quoted, with comma"
speaker="bob"
split="test"' "manifest columns kept as metadata (CSV quoting)"
is "$(db "SELECT value FROM asset_meta WHERE asset = '$N2' AND key = 'note'")" '"\""' "doubled quote"
is "$(db "SELECT count(*) FROM asset_meta WHERE asset = '$Y1' AND key = 'note'")" 0 "empty cells omitted"
is "$(db "SELECT format, codec, bits FROM assets WHERE id = '$N2'")" "mp3|mp3|0" "mp3 in the dataset"

# --- zip: members annotated by the manifest through their member names -
rm -rf "$GRYM_CATALOG"
mkdir -p ds/__MACOSX/yes && printf 'Mac resource fork' >ds/__MACOSX/yes/._s1.wav
printf 'Mac resource fork' >ds/yes/._s2.wav
(cd ds && zip -q -r ../ds.zip yes no manifest.csv __MACOSX)
ok "zip with --manifest" grym-ingest --text --manifest ds/manifest.csv ds.zip
is "$(sort -t '	' -k2 .out)" "$N1	ds.zip:no/s1.wav	no
$N2	ds.zip:no/s2.mp3	no
$Y1	ds.zip:yes/s1.wav	yes
$Y2	ds.zip:yes/s2.wav	yes" "zip members (audio only: manifest.csv, __MACOSX/ and ._ files skipped) with manifest labels"
same "$(cut -f2 .out)" "$(unzip -Z1 ds.zip | grep -v csv | grep -v '/$' | grep -v '\._' | sed 's/^/ds.zip:/')" "in archive order"
is "$(db "SELECT a.id = p.asset, p.path FROM assets a JOIN asset_paths p ON p.asset = a.id ORDER BY p.path")" \
"1|ds.zip:no/s1.wav
1|ds.zip:no/s2.mp3
1|ds.zip:yes/s1.wav
1|ds.zip:yes/s2.wav" "catalog paths name archive and member"
is "$(db "SELECT value FROM asset_meta WHERE asset = '$N2' AND key = 'speaker'")" '"bob"' "member metadata from the manifest"
is "$(find "$GRYM_CATALOG/objects" -type f | wc -l)" 4 "four objects"
check "member bytes stored exactly" cmp "$GRYM_CATALOG/objects/$(echo $N2 | cut -c1-2)/$N2" ds/no/s2.mp3
check "nothing extracted under member names" test ! -e no/s1.wav -a ! -e yes -a ! -e "$GRYM_CATALOG/tmp/s1.wav"
is "$(find "$GRYM_CATALOG/tmp" -type f | wc -l)" 0 "no temporary files left"

# --- the same dataset as tar, tar.gz, tar.xz, 7z: all already known ----
tar -C ds -cf ds.tar yes no
tar -C ds -czf ds.tar.gz yes no
tar -C ds -cJf ds.tar.xz yes no
(cd ds && 7z a -bd -bso0 ../ds.7z yes no >/dev/null)
for a in ds.tar ds.tar.gz ds.tar.xz ds.7z; do
	ok "$a" grym-ingest --text --label-from-dir "$a"
	same "$(cut -f1,3 .out | sort)" "$(printf '%s\tno\n%s\tno\n%s\tyes\n%s\tyes' $N1 $N2 $Y1 $Y2 | sort)" "$a: four members, folder labels"
	is "$(cat .err)" "grym-ingest: ingested 0, already known 4, failed 0" "$a: same content, already known"
done
is "$(db 'SELECT count(*) FROM assets')" 4 "still four assets"
is "$(db "SELECT count(*) FROM asset_paths WHERE asset = '$Y1'")" 5 "five origin paths for one asset"

# --- a tar.gz on stdin ---------------------------------------------------
ok "archive on stdin" sh -c 'cat ds.tar.gz | grym-ingest --text -'
is "$(cut -f2 .out | sort | tr '\n' ' ')" "-:no/s1.wav -:no/s2.mp3 -:yes/s1.wav -:yes/s2.wav " "archive members from stdin"

# --- a TSV manifest with a labels column and absolute paths ------------
printf 'file\tlabels\tgroup\n%s/ds/yes/s1.wav\tyes;loud\tg1\n' "$PWD" >abs.tsv
ok "TSV manifest" grym-ingest --text --manifest abs.tsv
is "$(cut -f1,3 .out)" "$Y1	yes,loud" "TSV: labels split on ;"
is "$(db "SELECT value FROM asset_meta WHERE asset = '$Y1' AND key = 'group'")" '"g1"' "TSV metadata"
printf 'label,split\nx,y\n' >nopath.csv
fails 1 "manifest without a path column" grym-ingest --manifest nopath.csv
is "$(cat .err)" 'grym-ingest: nopath.csv: manifest header has no "path" column' "manifest error line"

# --- unsafe names: refused, the rest of the archive still ingested -----
sox -n -r 8000 -b 16 good.wav synth 0.1 sine 300
G=$(sha good.wav)
/usr/bin/python3 - <<'EOF'
import tarfile, zipfile
data = open("good.wav", "rb").read()
with zipfile.ZipFile("evil.zip", "w") as z:
    z.writestr("../../evil.wav", data)
    z.writestr("/etc/evil.wav", data)
    z.writestr("ok/good.wav", data)
with tarfile.open("evil.tar.gz", "w:gz") as t:
    for name in ("../x.wav", "/abs.wav", "a/../../y.wav", "fine.wav"):
        info = tarfile.TarInfo(name); info.size = len(data)
        import io; t.addfile(info, io.BytesIO(data))
EOF
rm -rf "$GRYM_CATALOG"
fails 1 "zip with ../ and absolute members" grym-ingest --text evil.zip
is "$(cat .err)" "grym-ingest: evil.zip:../../evil.wav: unsafe member name (absolute or with ..): refused
grym-ingest: evil.zip:/etc/evil.wav: unsafe member name (absolute or with ..): refused
grym-ingest: ingested 1, already known 0, failed 2" "one line per unsafe member"
is "$(cat .out)" "$G	evil.zip:ok/good.wav	" "the safe member is ingested"
check "nothing written outside" test ! -e ../evil.wav -a ! -e ../../evil.wav -a ! -e /etc/evil.wav
fails 1 "tar.gz with unsafe members" grym-ingest --text evil.tar.gz
is "$(grep -c 'unsafe member name' .err)" 3 "three unsafe tar members"
is "$(cut -f2 .out)" "evil.tar.gz:fine.wav" "safe tar member ingested"
is "$(db 'SELECT count(*) FROM asset_paths WHERE path LIKE "%evil.wav" OR path LIKE "%x.wav" OR path LIKE "%y.wav"')" 0 "no row for refused members"

# --- expansion limit -----------------------------------------------------
sox -n -r 48000 -b 16 -c 2 big.wav synth 10 sine 100 vol 0.5   # 1.9 MB, compresses well
B=$(sha big.wav)
zip -q bomb.zip good.wav big.wav
fails 1 "--max-bytes stops a large expansion" grym-ingest --text --max-bytes 1M bomb.zip
is "$(sed -n 1p .err)" "grym-ingest: bomb.zip:big.wav: archive expands to more than 1048576 bytes (--max-bytes): stopped" "limit error line"
is "$(db "SELECT count(*) FROM assets WHERE id = '$B'")" 0 "no row for the member over the limit"
check "no object for it" test ! -e "$GRYM_CATALOG/objects/$(echo $B | cut -c1-2)/$B"
is "$(find "$GRYM_CATALOG/tmp" -type f | wc -l)" 0 "its temporary file removed"
ok "within the limit" grym-ingest --text --max-bytes 4M bomb.zip
is "$(cut -f1 .out | tr '\n' ' ')" "$G $B " "both members within 4M"

# --- damaged archive -------------------------------------------------------
head -c 3000 ds.tar.gz >cut.tar.gz
fails 1 "a cut tar.gz" grym-ingest --text cut.tar.gz
like "$(cat .err)" "^grym-ingest: cut.tar.gz" "cut archive reported"
done_testing
