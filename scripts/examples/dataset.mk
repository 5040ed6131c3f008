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
#
# What make cannot see by timestamps is kept in stamp files, rewritten only
# when their content changes: the list of clips with their folders (a clip
# moved to another label folder keeps its time but changes the list) and
# the variables of each stage (a second run with MODEL=svm redoes the
# model, and only the model). --replace-labels makes the labels follow the
# folders: a clip moved to another folder loses its old label. (make
# splits names at spaces: keep the corpus' file names free of them.)

CORPUS ?= corpus
OUT ?= out
MODEL ?= logreg
CV ?= 4
LUFS ?= -23
FEATURES ?= --mfcc --summary
export GRYM_CATALOG ?= $(abspath $(OUT))/catalog

# every audio file grym reads, not only WAV
AUDIO := wav flac mp3 ogg opus m4a aif aiff wv
CLIPS := $(shell find $(CORPUS) -type f \( $(patsubst %,-iname '*.%' -o,$(AUDIO)) -false \) 2>/dev/null | sort)

all: $(OUT)/model


# evaluated on every run; the stamps' times change only with their content
$(shell mkdir -p $(OUT))
$(shell printf '%s\n' $(CLIPS) >$(OUT)/clips.stamp.new; cmp -s $(OUT)/clips.stamp.new $(OUT)/clips.stamp && rm -f $(OUT)/clips.stamp.new || mv $(OUT)/clips.stamp.new $(OUT)/clips.stamp)
$(shell printf '%s\n' 'lufs=$(LUFS)' >$(OUT)/norm.stamp.new; cmp -s $(OUT)/norm.stamp.new $(OUT)/norm.stamp && rm -f $(OUT)/norm.stamp.new || mv $(OUT)/norm.stamp.new $(OUT)/norm.stamp)
$(shell printf '%s\n' 'features=$(FEATURES)' >$(OUT)/features.stamp.new; cmp -s $(OUT)/features.stamp.new $(OUT)/features.stamp && rm -f $(OUT)/features.stamp.new || mv $(OUT)/features.stamp.new $(OUT)/features.stamp)
$(shell printf '%s\n' 'model=$(MODEL) cv=$(CV)' >$(OUT)/model.stamp.new; cmp -s $(OUT)/model.stamp.new $(OUT)/model.stamp && rm -f $(OUT)/model.stamp.new || mv $(OUT)/model.stamp.new $(OUT)/model.stamp)

$(OUT)/refs.grym: $(CLIPS) $(OUT)/clips.stamp
	grym-ingest -q --label-from-dir --replace-labels --from-list $(OUT)/clips.stamp -o $@

$(OUT)/norm.grym: $(OUT)/refs.grym $(OUT)/norm.stamp
	grym-normalize --lufs $(LUFS) -o $@ <$<

$(OUT)/features.grym: $(OUT)/norm.grym $(OUT)/features.stamp
	grym-features $(FEATURES) -o $@ <$<

$(OUT)/model: $(OUT)/features.grym $(OUT)/model.stamp
	grym-train --model $(MODEL) --cv $(CV) --seed 1 -o $@ <$< >$(OUT)/report.txt
	@grep -E '^(accuracy|macro F1)' $(OUT)/report.txt

clean:
	rm -rf $(OUT)

.PHONY: all clean
