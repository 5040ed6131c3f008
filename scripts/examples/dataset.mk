# dataset.mk — a dataset built by make: each stage is a file, so re-running
# does only what changed (and grym's catalog makes even that cheap: a clip
# already ingested, normalized or analysed is answered from the catalog).
#
#   make -f scripts/examples/dataset.mk CORPUS=corpus OUT=out
#   make -f scripts/examples/dataset.mk CORPUS=corpus OUT=out MODEL=svm
#
# CORPUS holds one folder per label. Outputs in OUT: refs.grym (one record
# per clip), norm.grym (-23 LUFS), features.grym (MFCC summaries), model and
# report.txt (cross-validated scores).

CORPUS ?= corpus
OUT ?= out
MODEL ?= logreg
CV ?= 4
export GRYM_CATALOG ?= $(abspath $(OUT))/catalog

CLIPS := $(shell find $(CORPUS) -type f -name '*.wav' 2>/dev/null)

all: $(OUT)/model

$(OUT)/refs.grym: $(CLIPS)
	@mkdir -p $(OUT)
	grym-ingest -q --label-from-dir $(CORPUS) -o $@

$(OUT)/norm.grym: $(OUT)/refs.grym
	grym-normalize --lufs -23 -o $@ <$<

$(OUT)/features.grym: $(OUT)/norm.grym
	grym-features --mfcc --summary -o $@ <$<

$(OUT)/model: $(OUT)/features.grym
	grym-train --model $(MODEL) --cv $(CV) --seed 1 -o $@ <$< >$(OUT)/report.txt
	@grep -E '^(accuracy|macro F1)' $(OUT)/report.txt

clean:
	rm -rf $(OUT)

.PHONY: all clean
