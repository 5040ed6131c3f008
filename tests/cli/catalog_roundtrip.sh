#!/bin/sh
# catalog_roundtrip.sh — `grym-catalog export | grym-catalog import` into
# an empty catalog carries everything `merge` carries: assets, labels,
# paths, meta, derived lineage, feature sets, models and predictions
# (counted in the SQLite databases themselves), with every object.
. "$GRYM_TOP/tests/lib/cli.sh"

ok "a labelled dataset (2 classes x 3)" grym-synth dataset --classes 2 --per-class 3 --seed 2 DIR
grym-ingest -q --label-from-dir DIR | grym-normalize --lufs -23 |
	grym-features --features mfcc --summary >feats.grym 2>feats.err
is "$(cat feats.err)" "" "pipeline ran quietly"
ok "train into the catalog" grym-train --name rt --cv 2 --seed 1 -o m.model feats.grym
ok "predictions into the catalog" sh -c 'grym-infer -m rt <feats.grym'

counts() { # DB: one line per table
	sqlite3 "$1" "select 'assets', count(*) from assets;
		select 'derived', count(*) from assets where parent is not null;
		select 'labels', count(*) from asset_labels;
		select 'paths', count(*) from asset_paths;
		select 'meta', count(*) from asset_meta;
		select 'features', count(*) from features;
		select 'models', count(*) from models;
		select 'predictions', count(*) from predictions;"
}
counts catalog/catalog.db >before.txt
for t in features models predictions derived paths; do
	check "the source catalog has $t" test "$(grep "^$t|" before.txt | cut -d'|' -f2)" -gt 0
done

ok "export | import" sh -c 'grym-catalog export -o - | grym-catalog --catalog cat2 import -'
counts cat2/catalog.db >after.txt
is "$(cat after.txt)" "$(cat before.txt)" "every table has the same count after the round trip"
rows() { sqlite3 "$1" "select id, asset, extractor, frames, dims, hex(summary), object from features order by id;
	select id, name, type, params, training, metrics, object from models order by id;
	select model, asset, label, probability, scores from predictions order by model, asset;"; }
is "$(rows cat2/catalog.db | md5sum)" "$(rows catalog/catalog.db | md5sum)" "feature, model and prediction rows are equal"
ok "fsck of the imported catalog is clean" grym-catalog --catalog cat2 fsck
# the model's out-of-fold predictions (--cv) are an object its training
# record names: merge carries it, so export and import must too
pred=$(sqlite3 catalog/catalog.db "select json_extract(training, '\$.predictions') from models where name = 'rt'")
check "the model names its out-of-fold predictions object" test "${#pred}" -eq 64
check "that object came along" test -n "$(find cat2 -type f -name "*${pred#??}*" | head -1)"
is "$(find cat2 -type f -name "*${pred#??}*" -exec cat {} + | sha256sum | cut -c1-64)" "$pred" \
	"with its bytes"
find cat2 -type f -name "*${pred#??}*" -exec rm -f {} +
fails 1 "fsck notices a model's missing predictions object" grym-catalog --catalog cat2 fsck
grym-catalog --catalog cat2 fsck 2>&1 | grep -q "predictions of model .*object $pred is missing"
ok "naming it" test $? -eq 0
ok "export | import again restores it" sh -c 'grym-catalog export -o - | grym-catalog --catalog cat2 import - && grym-catalog --catalog cat2 fsck'
ok "train on the imported feature sets" grym-train --catalog cat2 --features mfcc --cv 2 --seed 1 -o m2.model
ok "infer with the imported model by name" sh -c 'grym-infer --catalog cat2 -m rt <feats.grym >p2.txt'

ok "export to a file" grym-catalog export -o all.tar
ok "import twice changes nothing" sh -c 'grym-catalog --catalog cat2 import all.tar'
is "$(counts cat2/catalog.db)" "$(cat before.txt)" "a second import adds no rows"

done_testing
