/*
 * schema.c — the catalog's schema as an ordered list of migration steps.
 *
 * PRAGMA user_version holds the number of steps applied. Opening a
 * catalog applies the missing steps, in order, in one BEGIN IMMEDIATE
 * transaction (catalog.c), so a catalog is always at a version some grym
 * wrote, never half-way. Steps are only ever appended: a released step is
 * never edited, because catalogs in the field already ran it. Later
 * stages add their tables by appending a step here.
 */
#include "catalog_int.h"

const cat_migration grym_cat_migrations[] = {
	{ 1,
	  /* Assets: sources (id = SHA-256 of the original bytes, object = id)
	   * and derived assets (id = SHA-256 of parent id + canonical recipe). */
	  "CREATE TABLE assets ("
	  " id TEXT PRIMARY KEY NOT NULL,"
	  " kind TEXT NOT NULL CHECK (kind IN ('source','derived')),"
	  " parent TEXT REFERENCES assets(id),"
	  " object TEXT NOT NULL,"
	  " recipe TEXT,"
	  " format TEXT,"
	  " codec TEXT,"
	  " sample_rate INTEGER NOT NULL DEFAULT 0,"
	  " channels INTEGER NOT NULL DEFAULT 0,"
	  " bits INTEGER NOT NULL DEFAULT 0,"
	  " frames INTEGER NOT NULL DEFAULT 0,"
	  " duration REAL NOT NULL DEFAULT 0,"
	  " bytes INTEGER NOT NULL DEFAULT 0,"
	  " tags TEXT,"
	  " created INTEGER NOT NULL,"
	  " CHECK ((kind = 'source') = (parent IS NULL)));"
	  "CREATE INDEX assets_parent ON assets(parent);"
	  "CREATE INDEX assets_object ON assets(object);"
	  "CREATE TABLE asset_paths ("
	  " asset TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,"
	  " path TEXT NOT NULL,"
	  " UNIQUE (asset, path));"
	  "CREATE TABLE asset_labels ("
	  " asset TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,"
	  " label TEXT NOT NULL,"
	  " UNIQUE (asset, label));"
	  "CREATE INDEX asset_labels_label ON asset_labels(label);"
	  "CREATE TABLE asset_meta ("
	  " asset TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,"
	  " key TEXT NOT NULL,"
	  " value TEXT NOT NULL,"
	  " PRIMARY KEY (asset, key));"
	  "CREATE INDEX asset_meta_key ON asset_meta(key, value);"
	  "CREATE TABLE features ("
	  " id TEXT PRIMARY KEY NOT NULL,"
	  " asset TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,"
	  " extractor TEXT NOT NULL,"
	  " frames INTEGER NOT NULL DEFAULT 0,"
	  " dims INTEGER NOT NULL DEFAULT 0,"
	  " summary BLOB,"
	  " object TEXT,"
	  " created INTEGER NOT NULL);"
	  "CREATE INDEX features_asset ON features(asset);"
	  "CREATE TABLE models ("
	  " id TEXT PRIMARY KEY NOT NULL,"
	  " name TEXT,"
	  " type TEXT NOT NULL,"
	  " params TEXT,"
	  " training TEXT,"
	  " metrics TEXT,"
	  " object TEXT NOT NULL,"
	  " created INTEGER NOT NULL);"
	  "CREATE INDEX models_name ON models(name);"
	  "CREATE TABLE predictions ("
	  " model TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,"
	  " asset TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,"
	  " label TEXT,"
	  " probability REAL,"
	  " scores TEXT,"
	  " created INTEGER NOT NULL,"
	  " PRIMARY KEY (model, asset));"
	  "CREATE INDEX predictions_asset ON predictions(asset);"
	  "CREATE TABLE jobs ("
	  " id TEXT PRIMARY KEY NOT NULL,"
	  " kind TEXT NOT NULL,"
	  " state TEXT NOT NULL,"
	  " progress REAL NOT NULL DEFAULT 0,"
	  " error TEXT,"
	  " created INTEGER NOT NULL,"
	  " updated INTEGER NOT NULL);"
	  "CREATE INDEX jobs_state ON jobs(state);" },
	{ 2,
	  /* Objects a live writer has stored, or is about to store, before
	   * the row that references them is written: gc spares them while
	   * the writer process (pid) lives. token tells apart the catalog
	   * handles of one process (grym-ingest's workers), so closing one
	   * handle forgets only its own rows (maint.c). */
	  "CREATE TABLE pending ("
	  " object TEXT NOT NULL,"
	  " pid INTEGER NOT NULL,"
	  " token INTEGER NOT NULL,"
	  " created INTEGER NOT NULL,"
	  " PRIMARY KEY (object, pid, token));"
	  "CREATE INDEX pending_writer ON pending(pid, token);" },
	{ 3,
	  /* grym-serve. jobs (version 1's table, unused until now) gains what
	   * a job is: its stage parameters and inputs (JSON), the last
	   * progress message, its result (JSON), who started it, when it
	   * started and ended, and which server process ran it (server: pid
	   * and start time, so a restart marks the jobs of a dead server
	   * interrupted). tokens: API tokens, issued JWTs (id = jti) and
	   * browser sessions; only a keyed hash of a secret is kept, never
	   * the secret. audit: who did what, from where, with what outcome.
	   * Export, import and merge carry none of these (they name their
	   * tables: merge.c, archive.c). Times are Unix seconds as elsewhere. */
	  "ALTER TABLE jobs ADD COLUMN params TEXT;"
	  "ALTER TABLE jobs ADD COLUMN inputs TEXT;"
	  "ALTER TABLE jobs ADD COLUMN message TEXT;"
	  "ALTER TABLE jobs ADD COLUMN result TEXT;"
	  "ALTER TABLE jobs ADD COLUMN owner TEXT;"
	  "ALTER TABLE jobs ADD COLUMN started INTEGER;"
	  "ALTER TABLE jobs ADD COLUMN finished INTEGER;"
	  "ALTER TABLE jobs ADD COLUMN server TEXT;"
	  "CREATE INDEX jobs_created ON jobs(created);"
	  "CREATE TABLE tokens ("
	  " id TEXT PRIMARY KEY NOT NULL,"
	  " kind TEXT NOT NULL CHECK (kind IN ('token','jwt','session')),"
	  " name TEXT,"
	  " role TEXT NOT NULL CHECK (role IN ('admin','editor','viewer')),"
	  " hash BLOB UNIQUE,"
	  " parent TEXT,"
	  " created INTEGER NOT NULL,"
	  " expires INTEGER,"
	  " revoked INTEGER,"
	  " last_used INTEGER);"
	  "CREATE TABLE audit ("
	  " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	  " time INTEGER NOT NULL,"
	  " principal TEXT,"
	  " client TEXT,"
	  " action TEXT NOT NULL,"
	  " route TEXT,"
	  " outcome TEXT NOT NULL,"
	  " detail TEXT);"
	  "CREATE INDEX audit_time ON audit(time);" },
	{ 4,
	  /* Views of an asset for the UI (lib/view/): a peaks pyramid, a
	   * spectrogram, loudness curves, each an object of the store named by
	   * (asset, kind, params), params being the canonical JSON of what
	   * shapes its bytes. Views are caches: deleting an asset deletes its
	   * views (the cascade), gc keeps the object of every row and removes
	   * the others, a view whose object is missing or damaged is computed
	   * again on the next request, and export, import and merge carry no
	   * views (the other side computes its own). bytes is the object's
	   * size, checked on every read as for the other rows. */
	  "CREATE TABLE views ("
	  " asset TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,"
	  " kind TEXT NOT NULL,"
	  " params TEXT NOT NULL,"
	  " object TEXT NOT NULL,"
	  " bytes INTEGER NOT NULL,"
	  " created INTEGER NOT NULL,"
	  " PRIMARY KEY (asset, kind, params));"
	  "CREATE INDEX views_object ON views(object);" },
	{ 5,
	  /* The asset list of grym-serve (asset_page.c): paging by keyset
	   * over (sort key, id) needs an index on each sort key followed by
	   * id, and sorting by name needs the name as a column. An asset's
	   * name is the base name of its first origin path; a derived asset
	   * without paths of its own takes its parent's name when it is
	   * inserted. Triggers keep the column, so every way rows arrive
	   * (put, merge, import) fills it; the UPDATEs fill it for the rows
	   * already there. NOCASE: names sort and compare without case (ASCII,
	   * as SQLite folds), ties broken by id. Self-contained: this step
	   * only adds a column, two triggers and indexes. */
	  "ALTER TABLE assets ADD COLUMN name TEXT NOT NULL DEFAULT '' COLLATE NOCASE;"
	  "UPDATE assets SET name = coalesce((SELECT substr(CAST(p.path AS TEXT),"
	  " length(rtrim(CAST(p.path AS TEXT), replace(CAST(p.path AS TEXT), '/', ''))) + 1)"
	  " FROM asset_paths p WHERE p.asset = assets.id ORDER BY p.rowid LIMIT 1), '');"
	  "WITH RECURSIVE named(id, name) AS ("
	  " SELECT id, name FROM assets WHERE parent IS NULL"
	  " UNION ALL SELECT a.id, CASE WHEN a.name <> '' THEN a.name ELSE named.name END"
	  " FROM assets a JOIN named ON a.parent = named.id)"
	  " UPDATE assets SET name = named.name FROM named"
	  " WHERE named.id = assets.id AND assets.name = '';"
	  "CREATE TRIGGER assets_name_inherit AFTER INSERT ON assets"
	  " WHEN NEW.parent IS NOT NULL AND NEW.name = '' BEGIN"
	  " UPDATE assets SET name = (SELECT p.name FROM assets p WHERE p.id = NEW.parent)"
	  " WHERE id = NEW.id; END;"
	  "CREATE TRIGGER assets_name_path AFTER INSERT ON asset_paths"
	  " WHEN NOT EXISTS (SELECT 1 FROM asset_paths o WHERE o.asset = NEW.asset"
	  " AND o.rowid < NEW.rowid) BEGIN"
	  " UPDATE assets SET name = substr(CAST(NEW.path AS TEXT),"
	  " length(rtrim(CAST(NEW.path AS TEXT), replace(CAST(NEW.path AS TEXT), '/', ''))) + 1)"
	  " WHERE id = NEW.asset; END;"
	  "CREATE INDEX assets_name ON assets(name, id);"
	  "CREATE INDEX assets_duration ON assets(duration, id);"
	  "CREATE INDEX assets_created ON assets(created, id);"
	  "CREATE INDEX assets_bytes ON assets(bytes, id);" },
};

const int grym_cat_n_migrations = (int)(sizeof grym_cat_migrations / sizeof grym_cat_migrations[0]);
