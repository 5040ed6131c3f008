#!/bin/sh
# train_holdout.sh — grym-train --holdout F --group-by G: whole speakers
# held out, the test set as close to F as whole groups allow (not one
# fold of round(1/F)-fold CV, which tests 50% for any F above 0.5), and
# the fraction reached printed and recorded.
. "$GRYM_TOP/tests/lib/cli.sh"

# 24 speakers with 1 to 8 items each (sizes vary), 3 classes mixed
/usr/bin/python3 - <<'PY' >data.txt
import json, random
random.seed(2); d = 4; n = 0
for s in range(24):
    for t in range(1 + (s * 5) % 8):
        c = n % 3; key = "item%03d" % n; n += 1
        v = [random.gauss(0, 1) + (2.0 if j == c else 0) for j in range(d)]
        meta = {"kind": "vector", "cols": d, "labels": ["abc"[c]], "meta": {"speaker": "s%d" % s}}
        print("#%s\t%s" % (key, json.dumps(meta)))
        print(key + "\t" + "\t".join("%.6g" % x for x in v))
PY
n=$(grep -c '^#' data.txt)
num() { /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

for f in 0.2 0.6 0.75 0.9; do
	out=$(grym-train --holdout $f --group-by speaker --seed 1 --json --folds-out "h$f.tsv" data.txt)
	nt=$(awk -F'\t' '$2 == 0' "h$f.tsv" | wc -l | tr -d ' ')
	check "grouped holdout $f: $nt of $n items tested, within one item of $f" \
		awk -v t="$nt" -v n="$n" -v f="$f" 'BEGIN { d = t - f * n; exit !(d <= 1 && d >= -1) }'
	is "$(/usr/bin/python3 -c '
import sys, json
spk = {}
for line in open("data.txt"):
    if line.startswith("#"):
        k, m = line[1:].split("\t", 1); spk[k] = json.loads(m)["meta"]["speaker"]
side = {}
bad = 0
for line in sys.stdin:
    k, f = line.split()
    s = spk[k]
    if s in side and side[s] != f: bad += 1
    side[s] = f
print(bad)' <"h$f.tsv")" "0" "grouped holdout $f: no speaker on both sides"
	near "$(num "$out" test_fraction)" "$(awk -v t="$nt" -v n="$n" 'BEGIN { print t / n }')" 0.000001 \
		"grouped holdout $f: JSON test_fraction is the share tested"
	is "$(num "$out" holdout)" "$f" "grouped holdout $f: JSON holdout is the fraction asked for"
done

ok "readable report" grym-train --holdout 0.6 --group-by speaker --seed 1 data.txt
like "$(head -n 1 .out)" "^logreg, holdout 0.6 grouped by speaker: 0\.[56][0-9]{3} of the $n items tested, 3 classes" \
	"the report says the fraction reached"
ok "ungrouped holdout report" grym-train --holdout 0.25 --seed 1 data.txt
like "$(head -n 1 .out)" "^logreg, holdout 0.25: 0\.2[0-9]{3} of the $n items tested" "ungrouped too"
done_testing
