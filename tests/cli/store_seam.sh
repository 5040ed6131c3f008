#!/bin/sh
# store_seam.sh — the object store's seam (grym/store.h, and
# lib/store/store_backend.h below it): nothing outside lib/store names an
# object's file. Every object is read through a reader of the store
# (grym_store_open_read: export, merge, the catalog's checks, and every
# decoder of an asset, which opens the reader's fd), so another backend
# could serve every stage. grym_store_path is gone from the interface, and
# no code outside lib/store builds the directory backend's objects/ab/<id>
# path. (Tests may: they damage objects on disk on purpose.)
. "$GRYM_TOP/tests/lib/cli.sh"
plan 5
cd "$GRYM_TOP" || exit 1

outside=$(find lib cmd -name '*.[ch]' ! -path 'lib/store/*' | sort)
is "$(grep -ln 'grym_store_path\|grym_catalog_object_path' $outside)" "" \
	"no code outside lib/store asks for an object's path"
is "$(grep -ln 'grym_store_path' lib/grym/*.h lib/store/*.h)" "" \
	"the store's interface has no object path"
is "$(nm -D --defined-only "$GRYM_BUILD/lib/libgrym.so" | awk '{ print $3 }' |
	grep -E '^grym_(store|catalog_object)_path$')" "" "libgrym exports none"

# a directory joined with objects/, the fan-out ab/<id>, or "objects" as a
# path component (export members are named "objects/<id>": not a path)
layout='%s/objects|/objects/%|objects/%\.2s|%\.2s/%s|[(,] *"objects" *\)'
is "$(grep -nE "$layout" $outside)" "" "no code outside lib/store builds an object's file name"
satisfies "$(grep -cE "$layout" lib/store/store_dir.c)" 'v > 0' \
	"the pattern sees the directory backend's own layout (the check reads the code)"
