/*
 * grym.h — the whole public interface of libgrym, for C users:
 *   #include <grym/grym.h>   and   pkg-config --cflags --libs grym
 */
#ifndef GRYM_GRYM_H
#define GRYM_GRYM_H
#pragma GCC visibility push(default)

#include "grym/version.h"
#include "grym/error.h"
#include "grym/json.h"
#include "grym/progress.h"
#include "grym/hash.h"
#include "grym/io.h"
#include "grym/stream.h"
#include "grym/npy.h"
#include "grym/store.h"
#include "grym/catalog.h"
#include "grym/audio.h"
#include "grym/rng.h"
#include "grym/pool.h"
#include "grym/json_field.h"
#include "grym/pathname.h"
#include "grym/walk.h"
#include "grym/sources.h"
#include "grym/ingest.h"
#include "grym/dsp.h"
#include "grym/loudness.h"
#include "grym/features.h"
#include "grym/features_pitch.h"
#include "grym/ml.h"
#include "grym/synth.h"
#include "grym/idset.h"
#include "grym/replay.h"
#include "grym/schema.h"
#include "grym/features_params.h"
#include "grym/normalize_params.h"
#include "grym/ingest_params.h"
#include "grym/infer_params.h"
#include "grym/train_params.h"
#include "grym/synth_params.h"
#include "grym/features_file.h"
#include "grym/stage.h"
#include "grym/stage_normalize.h"
#include "grym/stage_train.h"
#include "grym/stage_infer.h"
#include "grym/stage_ingest.h"
#include "grym/stage_synth.h"
#include "grym/catalog_params.h"
#include "grym/catalog_auth.h"
#include "grym/serve.h"
#include "grym/serve_auth.h"
#include "grym/serve_events.h"
#include "grym/catalog_jobs.h"
#include "grym/serve_jobs.h"
#include "grym/stage_features.h"
#include "grym/serve_uploads.h"
#include "grym/serve_http.h"
#include "grym/view.h"

#pragma GCC visibility pop

#endif
