#!/bin/sh
# install.sh — `make install` gives C users a working library: headers,
# libgrym.a, libgrym.so and grym.pc; a program that includes <grym/grym.h>
# builds with `pkg-config --cflags --libs grym` and runs against the shared
# library. Also checks the programs and man pages land where they should.
. "$GRYM_TOP/tests/lib/cli.sh"

if [ "${SANITIZE:-0}" = 1 ]; then
	skip_sanitize "install check runs in the normal build only (sanitized objects need the sanitizer runtime)"
	done_testing
fi
plan 13
dest=$PWD/dest
ok "make install DESTDIR" make -s -C "$GRYM_TOP" install DESTDIR="$dest" PREFIX=/usr B="$GRYM_BUILD"
for f in usr/bin/grym-ingest usr/lib/libgrym.a usr/lib/libgrym.so.0 usr/lib/libgrym.so \
	 usr/lib/pkgconfig/grym.pc usr/include/grym/grym.h usr/share/man/man7/grym.7 \
	 usr/share/man/man1/grym-catalog.1 usr/share/man/man5/grym-stream.5; do
	check "installed $f" test -e "$dest/$f"
done

cat >hello.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <grym/grym.h>
int main(void)
{
	char id[GRYM_ID_LEN + 1];
	grym_error err = { 0 };
	grym_json *recipe = grym_json_parse("{\"gain\": 2, \"op\": \"x\"}", &err);
	char *text = grym_recipe_canonical(recipe);
	grym_sha256_hex("abc", 3, id);
	printf("%s %s %s\n", grym_version(), id, text ? text : err.msg);
	free(text);
	grym_json_free(recipe);
	return 0;
}
C
# grym.pc names prefix=/usr; point pkg-config at the staged tree instead.
export PKG_CONFIG_PATH="$dest/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest"
ok "a C program builds with pkg-config grym" \
	sh -c 'cc hello.c -o hello $(pkg-config --cflags grym) $(pkg-config --libs grym)'
out=$(LD_LIBRARY_PATH="$dest/usr/lib" ./hello 2>&1)
like "$out" "^[0-9]+\.[0-9]+\.[0-9]+ ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad \{\"gain\":2,\"op\":\"x\"\}$" \
	"it runs against libgrym.so, JSON values included, without a JSON library of its own"
like "$(LD_LIBRARY_PATH="$dest/usr/lib" ldd ./hello)" "libgrym.so.0 => $dest" "linked to the shared library"
done_testing
