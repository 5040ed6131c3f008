#!/bin/sh
# objects_verify.sh — what each program checks before it uses an object of
# the catalog. The size, always: a truncated object is refused by every
# program, naming it. The full hash with --verify: a flipped byte keeps the
# size, so without --verify the object is used (documented: only the size
# is checked); with it the item fails naming its file and the object, and
# the rest of the batch runs. A damaged feature-set cache object is
# recomputed and stored again; a damaged model object is refused by name.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 84

sha() { sha256sum "$1" | cut -c1-64; }
obj() { echo "$GRYM_CATALOG/objects/$(echo "$1" | cut -c1-2)/$1"; }
# one byte changed, the size kept ('M' where the original byte is not 'M')
flip() {
	chmod u+w "$1"
	b=$(dd if="$1" bs=1 skip=100 count=1 2>/dev/null)
	c=M; [ "$b" = M ] && c=N
	printf '%s' "$c" | dd of="$1" bs=1 seek=100 count=1 conv=notrunc 2>/dev/null
}
shorten() { chmod u+w "$1" && truncate -s -10 "$1"; }
records() { grep -c '^#' "$1"; }
db="$GRYM_CATALOG/catalog.db"

ok "a labelled dataset (2 classes x 3)" grym-synth dataset --classes 2 --per-class 3 --seed 3 DIR
grym-ingest -q --label-from-dir DIR >src.rec
grym-normalize --lufs -23 <src.rec >norm.rec
ok "features of the normalized assets, stored" sh -c 'grym-features --mfcc --summary <norm.rec >feats.grym'
ok "a model in the catalog" sh -c 'grym-train --seed 1 --name clips -o m.model <feats.grym'
ok "fsck clean at first" grym-catalog fsck

# the victim: one source; its object kept aside to put it back
V=DIR/tone/tone-001.wav
VID=$(sha "$V"); VO=$(obj "$VID"); V12=$(echo "$VID" | cut -c1-12)
VB=$(stat -c %s "$V")
cp "$VO" v.good
put_back() { chmod u+w "$VO"; cp v.good "$VO"; }
NAME="DIR/tone/tone-001\\.wav \\($V12\\)"
DAMAGED="object of $VID is damaged \\(its bytes hash to [0-9a-f]{64}\\): run grym-catalog fsck --repair"

# --- a flipped byte: used without --verify, refused with it --------------
flip "$VO"
is "$(stat -c %s "$VO")" "$VB" "the flipped object keeps its size"

ok "grym-normalize without --verify uses it (only the size is checked)" \
	sh -c 'grym-normalize --lufs -20 --text <src.rec >n.txt'
is "$(records n.txt)" 6 "grym-normalize: six records"
fails 1 "grym-normalize --verify: exit 1" sh -c 'grym-normalize --verify --lufs -21 --text <src.rec >n.txt'
like "$(cat .err)" "^grym-normalize: $NAME: $DAMAGED\$" "grym-normalize names the file, the object and fsck --repair"
is "$(records n.txt)" 5 "grym-normalize --verify: the other five normalized"

ok "grym-features without --verify uses it" sh -c 'grym-features --zcr --summary --text <src.rec >f.txt'
is "$(records f.txt)" 6 "grym-features: six records"
fails 1 "grym-features --verify: exit 1" sh -c 'grym-features --verify --rms --summary --text <src.rec >f.txt'
like "$(cat .err)" "^grym-features: $NAME: $DAMAGED\$" "grym-features names the file and the object"
is "$(records f.txt)" 5 "grym-features --verify: the other five analysed"

ok "grym-infer without --verify uses it" sh -c 'grym-infer -m clips <src.rec >i.tsv'
is "$(wc -l <i.tsv | tr -d ' ')" 6 "grym-infer: six predictions"
fails 1 "grym-infer --verify: exit 1" sh -c 'grym-infer --verify -m clips <src.rec >i.tsv'
like "$(cat .err)" "^grym-infer: $NAME: $DAMAGED\$" "grym-infer names the file and the object"
is "$(wc -l <i.tsv | tr -d ' ')" 5 "grym-infer --verify: the other five scored"
is "$(grep -c "^$VID" i.tsv)" 0 "no prediction for the damaged asset"
# a bare id on stdin: the path comes from the catalog
fails 1 "grym-infer --verify, ids on stdin" sh -c "echo $VID | grym-infer --verify -m clips"
like "$(cat .err)" "^grym-infer: $NAME: $DAMAGED\$" "the file is named from the catalog"

ok "grym-synth transform without --verify uses it" sh -c 'grym-synth transform reverse --text <src.rec >s.txt'
is "$(records s.txt)" 6 "grym-synth: six records"
fails 1 "grym-synth transform --verify: exit 1" sh -c 'grym-synth transform reverse --verify --text <src.rec >s.txt'
like "$(cat .err)" "^grym-synth: record [0-9]+ \\($NAME\\): $DAMAGED\$" "grym-synth names the record, file and object"
is "$(records s.txt)" 5 "grym-synth --verify: the other five transformed"
fails 1 "grym-synth transform --verify of the id" grym-synth transform reverse --verify "$VID" -o one.wav
like "$(cat .err)" "^grym-synth: $VID: $DAMAGED\$" "the id is refused"

ok "grym-synth cloud --source ID without --verify uses it" \
	grym-synth cloud --source "$VID" --freq 300 --to 300 --duration 0.3 -o c1.wav
fails 1 "grym-synth cloud --source ID --verify refuses it" \
	grym-synth cloud --verify --source "$VID" --freq 300 --to 300 --duration 0.3 -o c2.wav
like "$(cat .err)" "$DAMAGED\$" "the cloud's source object is named"

ok "grym-catalog export without --verify copies it" grym-catalog export -o plain.tar
fails 1 "an import of that archive refuses the object" grym-catalog --catalog other import plain.tar
like "$(cat .err)" "objects/$VID: content hashes to" "the import names the member"
fails 1 "grym-catalog export --verify: exit 1" grym-catalog export --verify -o checked.tar
like "$(cat .err)" "^grym-catalog: checked\\.tar: $DAMAGED\$" "export names the object"
check "no archive is left behind" test ! -e checked.tar
put_back

# --- a reused derived asset is checked too ------------------------------
W=DIR/chirp-up/chirp-up-000.wav
WID=$(sha "$W")
DID=$(sqlite3 "$db" "select id from assets where parent = '$WID' and recipe like '%\"target\":-23%'")
DO=$(sqlite3 "$db" "select object from assets where id = '$DID'")
like "$DO" "^[0-9a-f]{64}\$" "the normalized asset of chirp-up-000 is known"
cp "$(obj "$DO")" d.good
flip "$(obj "$DO")"
ok "grym-normalize reuses it without --verify" sh -c 'grym-normalize --lufs -23 --text <src.rec >n.txt'
is "$(records n.txt)" 6 "six records, all reused"
fails 1 "grym-normalize --verify refuses to hand on a damaged reused asset" \
	sh -c 'grym-normalize --verify --lufs -23 --text <src.rec >n.txt'
like "$(cat .err)" "^grym-normalize: DIR/chirp-up/chirp-up-000\\.wav \\($(echo "$WID" | cut -c1-12)\\): object $DO of $DID is damaged \\(its bytes hash to [0-9a-f]{64}\\): run grym-catalog fsck --repair\$" \
	"the derived asset and its object are named"
is "$(records n.txt)" 5 "the other five handed on"
chmod u+w "$(obj "$DO")"; cp d.good "$(obj "$DO")"

# --- a truncated object: every program refuses it, without --verify ------
shorten "$VO"
SHORT="object of $VID is $((VB - 10)) bytes, the catalog says $VB: run grym-catalog fsck --repair"
fails 1 "grym-normalize refuses a truncated object" sh -c 'grym-normalize --lufs -22 --text <src.rec >n.txt'
like "$(cat .err)" "^grym-normalize: $NAME: $SHORT\$" "grym-normalize names it and both sizes"
is "$(records n.txt)" 5 "grym-normalize: the other five"
fails 1 "grym-features refuses it" sh -c 'grym-features --zcr --summary --text <src.rec >f.txt'
like "$(cat .err)" "^grym-features: $NAME: $SHORT\$" "grym-features names it"
is "$(records f.txt)" 5 "grym-features: the other five"
fails 1 "grym-infer refuses it" sh -c 'grym-infer -m clips <src.rec >i.tsv'
like "$(cat .err)" "^grym-infer: $NAME: $SHORT\$" "grym-infer names it"
is "$(wc -l <i.tsv | tr -d ' ')" 5 "grym-infer: the other five"
fails 1 "grym-synth transform refuses it" sh -c 'grym-synth transform reverse --text <src.rec >s.txt'
like "$(cat .err)" "^grym-synth: record [0-9]+ \\($NAME\\): $SHORT\$" "grym-synth names it"
is "$(records s.txt)" 5 "grym-synth: the other five"
fails 1 "grym-catalog export refuses it" grym-catalog export -o short.tar
like "$(cat .err)" "^grym-catalog: short\\.tar: $SHORT\$" "export names it"
check "no archive is left behind" test ! -e short.tar
put_back

# --- the feature-set cache: a damaged object is recomputed ---------------
DW=$DID   # the -23 LUFS asset, whose features norm.rec stored
FS=$(sqlite3 "$db" "select id from features where asset = '$DW' and extractor like '%mfcc%'")
FO=$(sqlite3 "$db" "select object from features where id = '$FS'")
FB=$(sqlite3 "$db" "select frames * dims * 4 from features where id = '$FS'")
is "$(stat -c %s "$(obj "$FO")")" "$FB" "the cached mfcc matrix holds frames x dims floats"
ok "features from the cache" sh -c 'grym-features --mfcc --summary --text <norm.rec >ref.txt'
shorten "$(obj "$FO")"
ok "a truncated cache object: recomputed, exit 0" sh -c 'grym-features --mfcc --summary --text <norm.rec >got.txt'
like "$(cat .err)" "^grym-features: DIR/chirp-up/chirp-up-000\\.wav \\($(echo "$DW" | cut -c1-12)\\): mfcc: object $FO of feature set $FS is $((FB - 10)) bytes, the catalog says $FB: run grym-catalog fsck --repair; recomputed\$" \
	"it says which object and that it recomputed"
ok "the output is what the cache gave" cmp ref.txt got.txt
is "$(sha "$(obj "$FO")")" "$FO" "the cache object is stored again, whole"
flip "$(obj "$FO")"
ok "a flipped cache object without --verify" sh -c 'grym-features --mfcc --summary --text <norm.rec >got.txt'
is "$(cat .err)" "" "is used without a word (only its size is checked)"
fails 1 "and gives other numbers" cmp -s ref.txt got.txt
ok "with --verify: recomputed, exit 0" sh -c 'grym-features --verify --mfcc --summary --text <norm.rec >got.txt'
like "$(cat .err)" "mfcc: object $FO of feature set $FS is damaged \\(its bytes hash to [0-9a-f]{64}\\): run grym-catalog fsck --repair; recomputed\$" \
	"--verify names the damaged cache object"
ok "the output is what the cache gave" cmp ref.txt got.txt
is "$(sha "$(obj "$FO")")" "$FO" "the damaged cache object is replaced"

# --- a model object: always hashed, named when damaged -------------------
MID=$(sqlite3 "$db" "select id from models where name = 'clips'")
MO=$(obj "$(sqlite3 "$db" "select object from models where name = 'clips'")")
cp "$MO" m.good
MDAMAGED="object of model $MID \\(clips\\) is damaged \\(its bytes hash to [0-9a-f]{64}\\): run grym-catalog fsck --repair"
shorten "$MO"
fails 1 "grym-infer refuses a truncated model" sh -c 'grym-infer -m clips <feats.grym'
like "$(cat .err)" "^grym-infer: clips: $MDAMAGED\$" "grym-infer names the model"
fails 1 "grym-train --show refuses it" grym-train --show clips
like "$(cat .err)" "^grym-train: clips: $MDAMAGED\$" "grym-train names the model"
chmod u+w "$MO"; cp m.good "$MO"
flip "$MO"
fails 1 "grym-infer refuses a flipped model without --verify" sh -c 'grym-infer -m clips <feats.grym'
like "$(cat .err)" "^grym-infer: clips: $MDAMAGED\$" "the flipped model is named"
fails 1 "grym-catalog export refuses it without --verify" grym-catalog export -o m.tar
like "$(cat .err)" "^grym-catalog: m\\.tar: $MDAMAGED\$" "export names the model"
chmod u+w "$MO"; cp m.good "$MO"

# --- all put back ---------------------------------------------------------
ok "fsck clean at the end" grym-catalog fsck
ok "grym-catalog export --verify of a healthy catalog" grym-catalog export --verify -o all.tar
ok "which imports" grym-catalog --catalog copy import all.tar
done_testing
