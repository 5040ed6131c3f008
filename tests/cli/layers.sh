#!/bin/sh
# layers.sh — the include rule of lib/README.md: a folder of lib/ includes
# the public headers of its own layer and of the layers below, never above.
# In particular no computation file (audio, dsp, features, ml, synth)
# includes the catalog, the store or the stream (records are a stage's
# input and output, not a computation's). The files that still do,
# because a whole stage lives in them, are listed below by name; the list
# may only shrink (a file on it that no longer breaks the rule fails too,
# so it is struck off when it moves).
. "$GRYM_TOP/tests/lib/cli.sh"
plan 4
cd "$GRYM_TOP/lib" || exit 1

# the layer of each public header
layer_of() {
	case $1 in
	error|hash|idset|json_field|pathname|pool|progress|rng|schema) echo core ;;
	store) echo store ;;
	catalog) echo catalog ;;
	io|npy|walk|sources) echo io ;;
	stream) echo stream ;;
	audio) echo audio ;;
	ingest) echo stage ;;
	dsp|loudness) echo dsp ;;
	features|features_pitch) echo features ;;
	ml) echo ml ;;
	synth) echo synth ;;
	catalog_params|features_params|features_file|normalize_params|ingest_params|infer_params|train_params|synth_params|replay|grym|stage|stage_*) echo stage ;;
	*) echo unknown ;;
	esac
}
# the layers a folder's files may include
allowed() {
	case $1 in
	core) echo "core" ;;
	store) echo "core store" ;;
	catalog) echo "core store io catalog" ;;
	io) echo "core io stream" ;;
	stream) echo "core io stream" ;;
	audio) echo "core io audio" ;;
	dsp) echo "core io audio dsp" ;;
	features) echo "core io features" ;;
	ml) echo "core io features ml" ;;
	synth) echo "core io audio features synth" ;;
	stage|pipeline) echo "core store catalog io stream audio dsp features ml synth stage" ;;
	*) echo "" ;;
	esac
}
# The files still breaking the rule (a stage inside a computation folder),
# and the headers declaring their stage functions.
debt="audio/ingest.c audio/manifest.c dsp/normalize.c synth/derive.c ml/catalog_select.c ml/records.c grym/dsp.h"

: >"$OLDPWD/violations"
for f in */*.c */*.h; do
	dir=${f%%/*}
	if [ "$dir" = grym ]; then
		self=$(basename "$f" .h)
		dir=$(layer_of "$self")
	fi
	ok_layers=" $(allowed "$dir") "
	grep -o '#include "grym/[a-z_]*\.h"' "$f" | sed 's/.*grym\///; s/\.h"//' | sort -u |
	while read -r h; do
		# a file may include the header that declares it (version.c, grym.h)
		[ "$h" = "$(basename "$f" .c)" ] && continue
		[ "$dir" = core ] && [ "$h" = grym ] && [ "$f" = core/version.c ] && continue
		l=$(layer_of "$h")
		case $ok_layers in *" $l "*) ;; *) echo "$f includes grym/$h.h ($l)" ;; esac
	done >>"$OLDPWD/violations"
done
cut -d' ' -f1 "$OLDPWD/violations" | sort -u >"$OLDPWD/breaking"

new=$(for f in $(cat "$OLDPWD/breaking"); do
	case " $debt " in *" $f "*) ;; *) grep "^$f " "$OLDPWD/violations" ;; esac
done)
is "$new" "" "no file breaks the layering outside the known list"
gone=$(for f in $debt; do grep -qx "$f" "$OLDPWD/breaking" || echo "$f"; done)
is "$gone" "" "every file on the known list still breaks it (else strike it off)"
satisfies "$(grep -c . "$OLDPWD/violations")" 'v > 0' "the check sees the known breaks (it reads the includes)"
# every folder of lib/ has a layer
unknown=$(for d in */; do d=${d%/}; [ "$d" = grym ] || [ -n "$(allowed "$d")" ] || echo "$d"; done)
is "$unknown" "" "every folder of lib/ has a place in the layers"
