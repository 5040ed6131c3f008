# grym — top-level Makefile.
#
# Sources are found by wildcard, so adding a module or a program is adding a
# file: lib/<domain>/*.c make libgrym, cmd/grym-*.c one program each,
# cmd/common/*.c the command-line helpers they share, tests/unit/test_*.c
# one unit-test binary each, tests/cli/*.sh the CLI tests.
#
#   make              build everything into build/ (programs in build/bin)
#   make check        install deps if missing, configure, build, run all tests
#   make check-slow   the slow variants (a 1 GiB upload into grym-serve)
#   make check SANITIZE=1   the same under ASan+UBSan, in build-san/
#   make demo         make a small dataset and run the pipeline on it
#   make bench        run the benchmarks against peer tools
#   make refcheck     check the reference outputs refactors must not change
#   make fuzz         build and run the libFuzzer targets for a bounded time
#   make install [PREFIX=/usr/local] [DESTDIR=]

-include config.mk

SANITIZE ?= 0
# parallel compile jobs for check and demo (the build is always right with -j:
# every object depends on every header)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
ifeq ($(SANITIZE),1)
B ?= build-san
SAN_CFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SAN_LDFLAGS = -fsanitize=address,undefined
else
B ?= build
endif

PREFIX ?= /usr/local
VERSION ?= 0.1.0
CC ?= cc

CFLAGS ?= $(CFLAGS_BASE)
ALL_CFLAGS = $(CFLAGS) $(SAN_CFLAGS) -DGRYM_VERSION='"$(VERSION)"' -Ilib -Icmd/common $(PKG_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS_BASE) $(SAN_LDFLAGS) $(LDFLAGS)
LIBS = $(PKG_LIBS)

LIB_SRC  := $(sort $(wildcard lib/*/*.c))
LIB_SRC  := $(filter-out lib/grym/%,$(LIB_SRC))
CLI_SRC  := $(sort $(wildcard cmd/common/*.c))
CMD_SRC  := $(sort $(wildcard cmd/grym-*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
TLIB_SRC := $(sort $(wildcard tests/lib/*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
HEADERS  := $(wildcard lib/grym/*.h) $(wildcard lib/*/*.h) $(wildcard cmd/common/*.h) $(wildcard tests/lib/*.h)

LIB_OBJ  := $(LIB_SRC:%.c=$(B)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(B)/obj/%.o)
TLIB_OBJ := $(TLIB_SRC:%.c=$(B)/obj/%.o)
PROGS    := $(CMD_SRC:cmd/%.c=$(B)/bin/%)
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
MANS     := $(wildcard man/*.[157])

LIBA  = $(B)/lib/libgrym.a
LIBSO = $(B)/lib/libgrym.so
CLIA  = $(B)/lib/libgrymcli.a

.PHONY: all check check-slow check-deps demo bench refcheck fuzz install uninstall clean distclean lint-man tests
.DELETE_ON_ERROR:
.SECONDARY:

all: config.mk $(LIBA) $(LIBSO) $(CLIA) $(B)/grym.pc $(PROGS) $(UNITS)

config.mk:
	@[ -f config.mk ] || ./configure

# Everything is rebuilt when a header or the configuration changes: the
# tree is small and this keeps `make -j2` always right.
$(B)/obj/%.o: %.c $(HEADERS) config.mk
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# Only the public interface leaves the shared library (lib/libgrym.map).
$(LIB_OBJ): ALL_CFLAGS += -fvisibility=hidden

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(LIBSO): $(LIB_OBJ) lib/libgrym.map
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libgrym.so.0 -Wl,--version-script=lib/libgrym.map \
	  -o $@ $(LIB_OBJ) $(ALL_LDFLAGS) $(LIBS)

$(CLIA): $(CLI_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(B)/grym.pc: grym.pc.in config.mk
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' grym.pc.in >$@

$(B)/bin/%: cmd/%.c $(CLIA) $(LIBA) $(HEADERS) config.mk
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(CLIA) $(LIBA) $(ALL_LDFLAGS) $(LIBS)

$(B)/tests/%: tests/unit/%.c $(TLIB_OBJ) $(LIBA) $(HEADERS) config.mk
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/lib $< -o $@ $(TLIB_OBJ) $(LIBA) $(ALL_LDFLAGS) $(LIBS)

check-deps:
	@scripts/install-deps
	@[ -f config.mk ] || ./configure

# `make check` is one command on a fresh machine: it installs what is
# missing, configures, builds and runs every test.
check: check-deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@GRYM_BUILD=$(B) SANITIZE=$(SANITIZE) tests/run

# the slow variants of tests that have one (a 1 GiB upload into grym-serve
# instead of 200 MB): by hand, not part of `make check`
check-slow: check-deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@GRYM_SLOW=1 GRYM_BUILD=$(B) SANITIZE=$(SANITIZE) tests/run serve_uploads

tests: all
	@GRYM_BUILD=$(B) SANITIZE=$(SANITIZE) tests/run $(T)

lint-man:
	@for m in $(MANS); do mandoc -Tlint -W warning $$m || exit 1; done

demo: check-deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@GRYM_BUILD=$(B) scripts/demo

# Each benchmark times grym and its peer tool on the same input in the same
# run (scripts/bench/lib.sh) and adds rows to one table, printed at the end;
# a missed goal or a failed benchmark fails the target, after the others
# have run. A few minutes; `make bench BENCHES=train` runs one.
BENCHES ?= features ingest normalize train views catalog_page
BENCH_TABLE = $(B)/bench/table.tsv

bench: all
	@mkdir -p $(B)/bench && rm -f $(BENCH_TABLE) && : >$(BENCH_TABLE)
	@st=0; for b in $(BENCHES); do \
	  GRYM_BUILD=$(B) BENCH_TABLE=$(abspath $(BENCH_TABLE)) scripts/bench/$$b || \
	    { echo "bench: $$b failed or missed a goal" >&2; st=1; }; \
	done; \
	echo; . scripts/bench/lib.sh; bench_report $(BENCH_TABLE) || st=1; \
	cat /proc/loadavg; exit $$st

# libFuzzer targets: clang only, in build-fuzz/. libgrym is compiled once
# with coverage instrumentation (fuzzer-no-link) into its own archive and
# each target links against it; each runs FUZZ_TIME seconds over its seed
# corpus (tests/fuzz/corpus/NAME) and prints libFuzzer's last status line.
FUZZ_TIME ?= 30
FUZZ_CFLAGS = -g -O1 -fsanitize=address,undefined -DGRYM_VERSION='"$(VERSION)"' -Ilib $(PKG_CFLAGS) -D_GNU_SOURCE -std=c11
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build-fuzz/obj/%.o)
FUZZ_BINS := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)

build-fuzz/obj/%.o: %.c $(HEADERS) config.mk
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

build-fuzz/libgrym-fuzz.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libgrym-fuzz.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer $< -o $@ build-fuzz/libgrym-fuzz.a $(LIBS)

# outputs the refactors must leave byte-identical (by hand; see the script)
refcheck: all
	@GRYM_BUILD=$(B) scripts/reference/outputs --check $(B)/reference

fuzz: config.mk $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
	  n=$$(basename $$f); \
	  mkdir -p build-fuzz/corpus-$$n; \
	  echo "fuzz: running $$n for $(FUZZ_TIME)s"; \
	  $$f -max_total_time=$(FUZZ_TIME) -max_len=65536 \
	    build-fuzz/corpus-$$n tests/fuzz/corpus/$$n >build-fuzz/$$n.log 2>&1 || \
	    { tail -30 build-fuzz/$$n.log; exit 1; }; \
	  grep -E '^#[0-9]+' build-fuzz/$$n.log | tail -n 1; \
	done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/include/grym $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(LIBA) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIBSO) $(DESTDIR)$(PREFIX)/lib/libgrym.so.0
	ln -sf libgrym.so.0 $(DESTDIR)$(PREFIX)/lib/libgrym.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' grym.pc.in >$(DESTDIR)$(PREFIX)/lib/pkgconfig/grym.pc
	chmod 644 $(DESTDIR)$(PREFIX)/lib/pkgconfig/grym.pc
	install -m 644 lib/grym/*.h $(DESTDIR)$(PREFIX)/include/grym/
	for m in $(MANS); do s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done
	install -d $(DESTDIR)$(PREFIX)/share/grym/web-static
	install -m 644 web-static/* $(DESTDIR)$(PREFIX)/share/grym/web-static/

uninstall:
	rm -f $(PROGS:$(B)/bin/%=$(DESTDIR)$(PREFIX)/bin/%) $(DESTDIR)$(PREFIX)/lib/libgrym.*
	rm -f $(DESTDIR)$(PREFIX)/lib/pkgconfig/grym.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/grym $(DESTDIR)$(PREFIX)/share/grym

clean:
	rm -rf build build-san build-fuzz

distclean: clean
	rm -f config.mk
