#!/bin/sh
# catalog.sh — grym-catalog through real pipes: every subcommand, with
# exact outputs. The assets come from an export archive this test builds
# itself with Python (ids computed independently with hashlib), imported
# with `grym-catalog import`.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 115

PY=/usr/bin/python3

# mkarch OUT SPEC: write a grym export archive. SPEC lines:
#   NAME CONTENT DURATION LABELS PATH [PARENT-NAME]
# and print "NAME ID" for each asset. A "collide" asset gets bytes whose id
# shares its first four hex digits with the first asset's.
mkarch() {
	"$PY" - "$@" <<'PYEOF'
import hashlib, io, json, sys, tarfile, zipfile
out, spec = sys.argv[1], sys.argv[2]
assets, objects, ids = [], {}, {}
for line in spec.strip().splitlines():
    f = line.split()
    name, content, dur, labels, path = f[:5]
    parent = f[5] if len(f) > 5 else None
    data = content.encode()
    if content == "collide":
        want = assets[0]["id"][:4]
        i = 0
        while hashlib.sha256(b"collide %d" % i).hexdigest()[:4] != want:
            i += 1
        data = b"collide %d" % i
    obj = hashlib.sha256(data).hexdigest()
    objects[obj] = data
    a = {"kind": "source", "parent": None, "object": obj, "recipe": None,
         "format": "wav", "codec": "pcm_s16le", "sample_rate": 16000, "channels": 1,
         "bits": 16, "frames": int(float(dur) * 16000), "duration": float(dur),
         "bytes": len(data), "tags": {}, "labels": [] if labels == "-" else labels.split(","),
         "meta": {"split": "train" if name.endswith("1") else "test"},
         "paths": [] if path == "-" else [path]}
    if parent:
        recipe = {"stage": "normalize", "lufs": -23}
        canon = json.dumps(recipe, sort_keys=True, separators=(",", ":"))
        a.update(kind="derived", parent=ids[parent], recipe=recipe, format=None, codec=None)
        a["id"] = hashlib.sha256((ids[parent] + "\n" + canon).encode()).hexdigest()
    else:
        a["id"] = obj
    ids[name] = a["id"]
    assets.append(a)
    print(name, a["id"])
doc = json.dumps({"format": "grym-catalog-export", "version": 1, "assets": assets}).encode()
if out.endswith(".zip"):
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("catalog.json", doc)
        for k, v in objects.items():
            z.writestr("objects/" + k, v)
else:
    with tarfile.open(out, "w:gz" if out.endswith(".gz") else "w") as t:
        for n, d in [("catalog.json", doc)] + [("objects/" + k, v) for k, v in objects.items()]:
            ti = tarfile.TarInfo(n); ti.size = len(d); t.addfile(ti, io.BytesIO(d))
PYEOF
}

jget() { # jget KEY: read one JSON document on stdin, print KEY's value as JSON
	"$PY" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[sys.argv[1]]))' "$1"
}

mkarch fixture.tar.gz "
dog1 woof-one 1.5 dog,loud /data/dog1.wav
dog2 woof-two 2.25 dog /data/dog2.wav
cat1 meow-one 0.5 cat /data/cat1.wav
norm1 normalized-dog 1.5 - - dog1
coll collide 3 - /data/other.wav
" >ids.txt
id() { awk -v n="$1" '$1 == n { print $2 }' ids.txt; }
dog1=$(id dog1); dog2=$(id dog2); cat1=$(id cat1); norm1=$(id norm1); coll=$(id coll)
p4=$(echo "$dog1" | cut -c1-4)
check "fixture ids computed" test ${#dog1} = 64 -a ${#norm1} = 64

# init, import
ok "init" grym-catalog init
check "init made catalog.db" test -f catalog/catalog.db
is "$(grym-catalog init 2>&1)" "grym-catalog: $PWD/catalog: catalog ready (schema version 5)" "init message"
ok "import a tar.gz" grym-catalog import fixture.tar.gz
is "$(cat .err)" "grym-catalog: fixture.tar.gz: 5 assets added, 0 conflicts" "import summary"
ok "import again" grym-catalog import fixture.tar.gz
is "$(cat .err)" "grym-catalog: fixture.tar.gz: 0 assets added, 0 conflicts" "import twice adds nothing"

# ls
T=$(printf '\t')
is "$(grym-catalog ls)" "$dog1${T}1.500${T}16000${T}1${T}dog,loud${T}/data/dog1.wav
$dog2${T}2.250${T}16000${T}1${T}dog${T}/data/dog2.wav
$cat1${T}0.500${T}16000${T}1${T}cat${T}/data/cat1.wav
$norm1${T}1.500${T}16000${T}1${T}-${T}-
$coll${T}3.000${T}16000${T}1${T}-${T}/data/other.wav" "ls: one line per asset, exact"
is "$(grym-catalog ls --label dog --ids)" "$dog1
$dog2" "ls --label dog --ids"
is "$(grym-catalog ls --kind derived --ids)" "$norm1" "ls --kind derived"
is "$(grym-catalog ls --kind source --ids | wc -l | tr -d ' ')" "4" "ls --kind source"
is "$(grym-catalog ls --parent "$(echo "$dog1" | cut -c1-12)" --ids)" "$norm1" "ls --parent with a prefix"
is "$(grym-catalog ls --meta split=test --ids)" "$dog2
$coll" "ls --meta split=test"
is "$(grym-catalog ls --path '/data/c*' --ids)" "$cat1" "ls --path glob"
is "$(grym-catalog ls --limit 2 --ids | wc -l | tr -d ' ')" "2" "ls --limit"
is "$(grym-catalog ls --label cat --json | jget labels)" '["cat"]' "ls --json labels"
is "$(grym-catalog ls --label cat --json | jget duration)" '0.5' "ls --json duration"
is "$(grym-catalog ls --label nobody)" "" "ls with no match prints nothing"
is "$(grym-catalog ls --label dog | cut -f1 | grym-catalog show - | grep -c '"id"')" "2" \
	"ls | show - through a pipe"
is "$(grym-catalog ls | head -n 1 | cut -f5)" "dog,loud" "ls | head ends quietly"

# show
is "$(grym-catalog show "$(echo "$dog2" | cut -c1-8)" | jget id)" "\"$dog2\"" "show by prefix"
is "$(grym-catalog show "$norm1" | jget recipe)" '{"lufs": -23, "stage": "normalize"}' "show recipe"
is "$(grym-catalog show "$norm1" | jget parent)" "\"$dog1\"" "show parent"
fails 1 "show unknown id" grym-catalog show ffff0000
is "$(cat .err)" "grym-catalog: ffff0000: no asset matches 'ffff0000'" "not-found message"
fails 1 "show ambiguous prefix" grym-catalog show "$p4"
like "$(cat .err)" "^grym-catalog: $p4: '$p4' is ambiguous: ($dog1, $coll|$coll, $dog1)\$" \
	"ambiguous message lists the candidates"
fails 1 "show: one good, one bad id" grym-catalog show "$cat1" nothex
is "$(grep -c '"id"' .out)" "1" "the good one is still shown"

# label
ok "label --add --remove" grym-catalog label "$(echo "$cat1" | cut -c1-10)" --add pet --add kitten --remove cat
is "$(grym-catalog show "$cat1" | jget labels)" '["pet", "kitten"]' "labels changed"
ok "label ids from stdin" sh -c "grym-catalog ls --label dog --ids | grym-catalog label - --add animal"
is "$(grym-catalog ls --label animal --ids)" "$dog1
$dog2
$norm1" "both dogs labelled through the pipe, and what was derived from them"
fails 2 "label without --add/--remove" grym-catalog label "$cat1"

# stats
is "$(grym-catalog stats)" "assets	5
sources	4
derived	1
labels	5
features	0
models	0
predictions	0
objects	5
object_bytes	$((8 + 8 + 8 + 14 + $(echo -n "$(grym-catalog show "$coll" | jget bytes)")))
duration	7.250" "stats"
is "$(grym-catalog stats --json | jget sources)" "4" "stats --json"

# export / import round trips
ok "export --label dog to zip" grym-catalog export --label dog -o dogs.zip
check "zip written" test -s dogs.zip
is "$(unzip -Z1 dogs.zip | sort | tr '\n' ' ')" "catalog.json objects/$dog1 objects/$dog2 " "zip members"
ok "import the zip into a fresh catalog" grym-catalog --catalog fresh import dogs.zip
same "$(grym-catalog --catalog fresh ls)" "$(grym-catalog ls --label dog)" "same rows after zip round trip"
ok "export all to tar.gz" grym-catalog export -o all.tar.gz
# no padding behind the gzip stream (gzip -t warns about trailing zeros),
# and the tar inside still ends with its two zero blocks
gzip -tv all.tar.gz >gz.out 2>&1
is "$(grep -c 'trailing' gz.out)" "0" "no trailing bytes after the gzip stream"
ok "the tar inside lists" tar -tzf all.tar.gz
ok "import tar.gz elsewhere" grym-catalog --catalog fresh2 import all.tar.gz
same "$(grym-catalog --catalog fresh2 ls)" "$(grym-catalog ls)" "same rows after tar.gz round trip"
same "$(grym-catalog --catalog fresh2 stats)" "$(grym-catalog stats)" "same counts and bytes"
grym-catalog export --kind derived -o - | grym-catalog --catalog piped import - 2>.err
is "$?:$(cat .err)" "0:grym-catalog: -: 2 assets added, 0 conflicts" "export - | import - (derived + its parent)"
is "$(grym-catalog --catalog piped ls --ids)" "$dog1
$norm1" "derived asset came with its parent"
fails 2 "export to a bad extension" grym-catalog export -o x.rar
grym-catalog export -o same1.tar && grym-catalog export -o same2.tar
ok "the same selection exports the same bytes" cmp same1.tar same2.tar
fails 1 "export into a missing directory" grym-catalog export -o nodir/x.tar
check "nothing written" test ! -e nodir
is "$(ls -a | grep -c '\.tmp')" "0" "no temporary left beside the archives"
"$PY" -c 'import tarfile,io
t=tarfile.open("evil.tar","w"); i=tarfile.TarInfo("../evil"); i.size=1
t.addfile(i, io.BytesIO(b"x")); t.close()'
fails 1 "import refuses '..'" grym-catalog --catalog evil import evil.tar
is "$(cat .err)" "grym-catalog: evil.tar: member '../evil' is not part of a grym export (only catalog.json and objects/<id>)
grym-catalog: evil.tar: 0 assets added, 0 conflicts" "message names the member"

# merge: machine B has the dogs (one with other content) and a bird
mkarch b.tar "
dog1 woof-one 9.0 dog /b/dog1.wav
bird tweet 4.0 bird /b/bird.wav
" >/dev/null
mkarch c.tar "
dog2 woof-two 2.25 dog /b/dog2.wav
" >/dev/null
grym-catalog --catalog B import b.tar 2>/dev/null
grym-catalog --catalog B import c.tar 2>/dev/null
ok "merge B" grym-catalog merge B
is "$(cat .err)" "grym-catalog: conflict: asset $dog1: frames differs
grym-catalog: conflict: asset $dog1: duration differs
grym-catalog: B: 1 asset added, 1 conflict" "merge reports the conflict"
is "$(grym-catalog show "$dog1" | jget duration)" "1.5" "our conflicting row is kept"
is "$(grym-catalog show "$dog2" | jget paths)" '["/data/dog2.wav", "/b/dog2.wav"]' "same row: paths united"
is "$(grym-catalog ls --label bird | cut -f2,6)" "4.000	/b/bird.wav" "new asset merged"
before=$(grym-catalog stats)
ok "merge B twice" grym-catalog merge B
same "$(grym-catalog stats)" "$before" "merging twice changes nothing"
fails 1 "merge a missing directory" grym-catalog merge nowhere

# rm
fails 1 "rm a parent without --force" grym-catalog rm "$dog1"
like "$(cat .err)" "has 1 derived asset" "rm explains"
ok "rm --force" grym-catalog rm --force "$(echo "$dog1" | cut -c1-9)"
is "$(grym-catalog ls --ids | grep -c -e "$dog1" -e "$norm1")" "0" "asset and its derived asset gone"
ok "rm from stdin" sh -c "grym-catalog ls --label bird --ids | grym-catalog rm -"
is "$(grym-catalog stats | head -n 1)" "assets	3" "three assets left"

# gc: dog1's, norm1's and bird's objects are unreferenced now
dogobj=catalog/objects/$(echo "$dog1" | cut -c1-2)/$dog1
check "dog1 object still there before gc" test -f "$dogobj"
ok "gc (fresh objects are within the grace)" grym-catalog gc
is "$(cat .out)" "" "nothing removed inside the grace period"
for f in catalog/objects/*/*; do touch -d '2 hours ago' "$f"; done
ok "gc --dry-run" grym-catalog gc --dry-run
sha() { printf '%s' "$1" | sha256sum | cut -c1-64; }
is "$(cut -d' ' -f1-4 .out | sort)" "$(printf 'would remove %s %s\n' \
	"$dog1" 8 "$(sha tweet)" 5 "$(sha normalized-dog)" 14 | sort)" \
	"dry run lists the three unreferenced objects with their sizes"
check "dry run removed nothing" test -f "$dogobj"
ok "gc --grace 3h" grym-catalog gc --grace 3h
is "$(cat .out)" "" "older than 2 h but inside 3 h: kept"
ok "gc --grace 30m" grym-catalog gc --grace 30m
is "$(wc -l <.out | tr -d ' ')" "3" "three removed"
is "$(cat .err)" "grym-catalog: gc: removed 3 objects (27 bytes)" "gc summary"
check "dog1 object gone" test ! -f "$dogobj"
is "$(grym-catalog stats | grep '^objects')" "objects	3" "referenced objects kept"
fails 2 "gc --grace nonsense" grym-catalog gc --grace 5x

# fsck
ok "fsck clean" grym-catalog fsck
is "$(cat .err)" "grym-catalog: fsck: ok (3 assets, 3 objects)" "fsck summary"
catobj=catalog/objects/$(echo "$cat1" | cut -c1-2)/$cat1
printf 'M' | dd of="$catobj" bs=1 count=1 conv=notrunc 2>/dev/null
rm -f "catalog/objects/$(echo "$dog2" | cut -c1-2)/$dog2"
fails 1 "fsck finds a flipped byte and a missing object" grym-catalog fsck
like "$(cat .out)" "^asset $dog2: object $dog2 is missing\$" "missing object reported"
like "$(cat .out)" "^object $cat1: content hashes to [0-9a-f]{64}\$" "corrupt object reported"
is "$(cat .err)" "grym-catalog: fsck: 2 problems found" "fsck exit message"
sqlite3 catalog/catalog.db "DELETE FROM asset_paths WHERE asset = '$cat1'"
fails 1 "fsck finds a source without an origin path" grym-catalog fsck
like "$(cat .out)" "^asset $cat1: source without an origin path \\(ingest the file again, or remove the asset\\)\$" \
	"source without a path reported"
is "$(cat .err)" "grym-catalog: fsck: 3 problems found" "fsck counts it"

# usage
fails 2 "no command" grym-catalog
fails 2 "unknown command" grym-catalog frobnicate
fails 2 "option of another command" grym-catalog ls --force
fails 2 "show without ids" grym-catalog show
fails 2 "bad --kind" grym-catalog ls --kind other
fails 2 "bad --meta" grym-catalog ls --meta nokey
ok "--catalog elsewhere" grym-catalog --catalog "$PWD/other" init
check "--catalog made the directory" test -f other/catalog.db
# ls: a TAB, newline or backslash in a name or label stays on one line
# of six fields (escaped); -0 ends entries with NUL and prints them as is
mkdir -p "odd	dir"
sox -n -r 8000 "odd	dir/x
y.wav" synth 0.1 sine 310
sox -n -r 8000 'odd	dir/back\slash.wav' synth 0.1 sine 320
grym-ingest -q -l 'l	1' "odd	dir/x
y.wav" 'odd	dir/back\slash.wav' >/dev/null
grym-catalog ls --label 'l	1' >odd.txt
is "$(wc -l <odd.txt | tr -d ' ')" 2 "ls: two names with a newline and a TAB, two lines"
is "$(awk -F'\t' '{ print NF }' odd.txt | sort -u)" 6 "ls: six fields on every line"
is "$(cut -f 5- odd.txt)" 'l\t1	odd\tdir/x\ny.wav
l\t1	odd\tdir/back\\slash.wav' "ls: TAB, newline and backslash escaped as \\t, \\n, \\\\"
is "$(grym-catalog ls --label 'l	1' | grym-features --mfcc --summary --text | grep -c '^#')" 2 \
	"ls lines with odd names feed grym-features"
grym-catalog ls -0 --label 'l	1' >odd0.bin
is "$(tr -cd '\0' <odd0.bin | wc -c | tr -d ' ')" 2 "ls -0: one NUL per entry"
is "$(/usr/bin/python3 -c "
import sys
e = open('odd0.bin', 'rb').read().split(b'\\0')[:-1]
want = [b'odd\\tdir/x\\ny.wav', b'odd\\tdir/back\\\\slash.wav']
print(sorted(x for x in e if any(x.endswith(w) for w in want)) == sorted(e) and len(e) == 2)")" "True" \
	"ls -0: each entry ends with its path's exact bytes"
is "$(grym-catalog ls -0 --ids --label 'l	1' | tr '\0' '\n' | wc -l | tr -d ' ')" 2 "ls -0 --ids: NUL-separated ids"
# the options' checks come from the table (grym/catalog_params.h): which
# command takes which option, choices, durations, KEY=VALUE
grym-catalog gc --limit 3 >/dev/null 2>.err
is "$?:$(head -n 1 .err)" "2:grym-catalog: gc does not take --limit" "an option another command takes is a usage error"
grym-catalog ls --kind foo >/dev/null 2>.err
is "$?:$(head -n 1 .err)" "2:grym-catalog: --kind: unknown value 'foo' (one of: source, derived)" "--kind's choices"
grym-catalog gc --grace 2x >/dev/null 2>.err
is "$?:$(head -n 1 .err)" "2:grym-catalog: --grace: '2x' is not a duration (like 3600, 30m, 1h, 2d)" "--grace takes durations only"
grym-catalog ls --meta novalue >/dev/null 2>.err
is "$?:$(head -n 1 .err)" "2:grym-catalog: --meta: 'novalue' is not KEY=VALUE" "--meta needs KEY=VALUE"
is "$(grym-catalog gc -n --grace 30m 2>&1 >/dev/null | head -c 16)" "grym-catalog: gc" "--grace 30m is taken"
is "$(grym-catalog --schema | python3 -c 'import json,sys; p=json.load(sys.stdin)["properties"]; print(p["limit"]["x-grym-applies"], p["grace"]["x-grym-applies"], p["command"]["enum"][-1])')" \
	"['ls', 'export'] ['gc'] stats" "--schema: which commands take an option, and the commands"
done_testing
