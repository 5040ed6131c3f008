#!/bin/sh
# layers.sh — the include rule of lib/README.md: a folder of lib/ includes
# the public headers of its own layer and of the layers below, never above.
# In particular no computation file (audio, dsp, features, ml, synth)
# includes the catalog, the store or the stream (records are a stage's
# input and output, not a computation's): the stages that do live in
# lib/stage. A tree made to break the rule shows the check can fail.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 3
cd "$GRYM_TOP/lib" || exit 1

# the layer of each public header
layer_of() {
	case $1 in
	error|hash|idset|json|json_field|version|pathname|pool|progress|rng|schema) echo core ;;
	store) echo store ;;
	catalog|catalog_auth|catalog_jobs|catalog_page) echo catalog ;;
	io|npy|walk|sources) echo io ;;
	stream) echo stream ;;
	audio) echo audio ;;
	ingest) echo stage ;;
	dsp|loudness) echo dsp ;;
	features|features_pitch) echo features ;;
	ml|ml_pca) echo ml ;;
	synth) echo synth ;;
	catalog_params|features_params|features_file|normalize_params|ingest_params|infer_params|train_params|synth_params|replay|stage|stage_*) echo stage ;;
	grym) echo serve ;;
	view|view_*) echo view ;;
	serve|serve_*) echo serve ;;
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
	view) echo "core store catalog io stream audio dsp features ml synth stage view" ;;
	serve) echo "core store catalog io stream audio dsp features ml synth stage view serve" ;;
	*) echo "" ;;
	esac
}
# Every stage has moved out of the computation folders: no file breaks the
# rule any more (the list of known breaks that stood here is empty and
# gone; a new break fails the first check).

# the include lines of each file of the tree in $1, checked against its
# folder's layers: one "FILE includes grym/H.h (LAYER)" line per break
scan() (
	cd "$1" || exit 1
	for f in */*.c */*.h; do
		[ -f "$f" ] || continue
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
					l=$(layer_of "$h")
			case $ok_layers in *" $l "*) ;; *) echo "$f includes grym/$h.h ($l)" ;; esac
		done
	done
)

is "$(scan .)" "" "no file of lib/ breaks the layering"
# the check itself sees a break: a computation file reaching the catalog
# and the stream, a core file reaching the store, in a tree of its own
mkdir -p "$OLDPWD/fake/features" "$OLDPWD/fake/core" "$OLDPWD/fake/stage"
printf '#include "grym/features.h"\n#include "grym/catalog.h"\n#include "grym/stream.h"\n' >"$OLDPWD/fake/features/bad.c"
printf '#include "grym/store.h"\n' >"$OLDPWD/fake/core/bad.c"
printf '#include "grym/catalog.h"\n#include "grym/ml.h"\n' >"$OLDPWD/fake/stage/fine.c"
is "$(scan "$OLDPWD/fake")" "core/bad.c includes grym/store.h (store)
features/bad.c includes grym/catalog.h (catalog)
features/bad.c includes grym/stream.h (stream)" "the check sees breaks (it reads the includes)"
# every folder of lib/ has a layer
unknown=$(for d in */; do d=${d%/}; [ "$d" = grym ] || [ -n "$(allowed "$d")" ] || echo "$d"; done)
is "$unknown" "" "every folder of lib/ has a place in the layers"
