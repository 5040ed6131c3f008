#!/bin/sh
# schema.sh — `grym-X --schema` of every program with a parameter table:
# valid JSON Schema (2020-12) whose properties are exactly the options of
# --help (less the common ones, --schema and the --no-X negations), each
# named by its option (x-grym-cli) and its key the option's name with '-'
# as '_'; and every default --help shows is the schema's default, so the
# two cannot drift from each other or from the table.
. "$GRYM_TOP/tests/lib/cli.sh"
progs="grym-features grym-normalize grym-ingest grym-infer grym-train grym-synth grym-catalog"
plan 28

for p in $progs; do
	"$p" --schema >"$p.json" 2>.err
	is "$?" 0 "$p --schema exits 0"
	"$p" --help >"$p.help" 2>&1
	out=$(python3 - "$p.json" "$p.help" <<'PY'
import json, re, sys
s = json.load(open(sys.argv[1]))
help = open(sys.argv[2]).read()
bad = []
if s.get("$schema") != "https://json-schema.org/draft/2020-12/schema" or s.get("type") != "object":
    bad.append("not a 2020-12 object schema")
props = s.get("properties", {})
common = {"catalog", "null", "quiet", "verbose", "help", "version", "schema"}
# the option lines of --help (before "Common options:")
opts = {}
last = None
for line in help.split("Common options:")[0].splitlines():
    m = re.match(r"^\s+(?:-\w, )?--([A-Za-z0-9][\w-]*)(?: \S+)?(?:\s{2,}(.*))?$", line)
    if m:
        last = m.group(1)
        opts[last] = m.group(2) or ""
    elif last and re.match(r"^ {27}\S", line):   # the help of a long option, on its own line
        opts[last] += line.strip()
names = {o for o in opts if o not in common and not (o.startswith("no-") and o[3:] in opts)}
cli = {}
for k, v in props.items():
    c = v.get("x-grym-cli", "")
    if not c.startswith("--"):      # a word of the command line, not an option
        continue
    if c.replace("--", "", 1).replace("-", "_") != k:
        bad.append("%s: x-grym-cli %s" % (k, c))
    cli[c[2:]] = v
if set(cli) != names:
    bad.append("schema only: %s; --help only: %s" % (sorted(set(cli) - names), sorted(names - set(cli))))
for o, v in cli.items():
    if "default" not in v or o not in opts:
        continue
    d = v["default"]
    m = re.search(r"\(default: ([^)]*)\)\s*$", opts[o])
    shown = m.group(1) if m else None
    if isinstance(d, bool):
        want = "on" if d else None
        ok = shown == want
    elif isinstance(d, (int, float)):
        try:
            ok = shown is not None and float(shown) == float(d)
        except ValueError:
            ok = False
    elif isinstance(d, str):
        ok = shown == d
    elif isinstance(d, list):
        ok = shown is None or shown.split(",") == [str(x) for x in d]
    else:
        ok = False
    if not ok:
        bad.append("--%s: schema default %r, --help %r" % (o, d, shown))
print("; ".join(bad))
PY
)
	is "$out" "" "$p: the schema's properties are --help's options, with its defaults"
	keys=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["properties"]))' "$p.json")
	satisfies "$keys" 'v >= 7' "$p: $keys properties"
	like "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sorted(set(type(v.get("x-grym-recipe")).__name__ for v in d["properties"].values())))' "$p.json")" \
		"^\['bool'\]$" "$p: x-grym-recipe on every property"
done
done_testing
