/*
 * serve_int.h — what the files of lib/serve/ share: the server handle,
 * a request's state, the route table, and the helpers every handler
 * answers through (so every response gets the same headers and is
 * counted in /metrics).
 */
#ifndef GRYM_SERVE_INT_H
#define GRYM_SERVE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <microhttpd.h>
#include <jansson.h>

#include "grym/catalog.h"
#include "grym/catalog_auth.h"
#include "grym/serve.h"
#include "grym/serve_auth.h"
#include "grym/serve_events.h"
#include "grym/serve_jobs.h"
#include "grym/serve_uploads.h"

/* ---- roles ---- */
enum { SERVE_PUBLIC = 0, SERVE_VIEWER = 1, SERVE_EDITOR = 2, SERVE_ADMIN = 3 };

typedef struct serve_req serve_req;

/* One route: the table in routes.c is the only list of what the server
 * answers (dispatch, the role check, /metrics labels and the man page's
 * table come from it). A path part "{id}" matches one segment. */
typedef struct serve_route {
	const char *method;
	const char *path;
	int role;                       /* SERVE_PUBLIC .. SERVE_ADMIN */
	enum MHD_Result (*handler)(serve_req *r);
	const char *summary;
	int body;                       /* takes a JSON body (1), or a streamed
					   one (SERVE_BODY_STREAM) */
	int status;                     /* the status of success */
	const char *errors;             /* its own error statuses: "400 404" */
} serve_route;
extern const serve_route serve_routes[];

/* A streamed body (uploads), for a route whose body is
 * SERVE_BODY_STREAM: begin is called once the request is admitted and
 * before any body byte is read (whatever else can refuse the request
 * refuses it there: type, declared size, offset); chunk with every
 * piece as it arrives (nothing is buffered; a failure it keeps in its
 * state and drops the rest, for the handler to answer once the body is
 * read, since an answer in the middle of a body would reach no client;
 * -1: the connection is closed at once, for a body past every limit);
 * then the route's handler. The table (route_uploads.c) is found by the
 * route's handler. */
#define SERVE_BODY_STREAM 2
typedef struct serve_streamer {
	enum MHD_Result (*handler)(serve_req *r);
	enum MHD_Result (*begin)(serve_req *r);
	int (*chunk)(serve_req *r, const char *data, size_t len);
} serve_streamer;
const serve_streamer *serve_streamer_of(const serve_route *route);
extern const size_t serve_n_routes;

/* ---- a pool of catalog handles: one per request at a time ---- */
typedef struct serve_catpool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *dir;
	grym_catalog **h;
	int *busy;
	int n;
} serve_catpool;
int serve_catpool_init(serve_catpool *p, const char *dir, int n, grym_error *err);
grym_catalog *serve_catpool_get(serve_catpool *p, grym_error *err);
void serve_catpool_put(serve_catpool *p, grym_catalog *cat);
void serve_catpool_fini(serve_catpool *p);

/* ---- token buckets keyed by a short string ---- */
typedef struct serve_bucket {
	char key[64];
	double tokens, t;
	int used;
} serve_bucket;
typedef struct serve_ratelimit {
	pthread_mutex_t mu;
	double rate, burst;             /* per second; 0 rate: no limit */
	serve_bucket *b;
	size_t n;
} serve_ratelimit;
int serve_rl_init(serve_ratelimit *rl, double rate, double burst);
void serve_rl_fini(serve_ratelimit *rl);
/* Take cost from key's bucket at now: 1 taken, 0 refused with
 * *retry_after seconds until it would be. cost 0 only checks. */
int serve_rl_take(serve_ratelimit *rl, const char *key, double cost, double now,
		  double *retry_after);

/* ---- metrics ---- */
#define SERVE_N_STATUS 20
#define SERVE_N_BUCKETS 12
typedef struct serve_metrics {
	size_t n;                       /* routes + static + unmatched */
	_Atomic unsigned long long *count;   /* [n][SERVE_N_STATUS] */
	_Atomic unsigned long long *hist;    /* [n][SERVE_N_BUCKETS + 1] (+Inf) */
	_Atomic unsigned long long *sum_us;  /* [n] */
} serve_metrics;
int serve_metrics_init(serve_metrics *m, size_t nroutes);
void serve_metrics_fini(serve_metrics *m);
void serve_metrics_add(serve_metrics *m, size_t route, unsigned status, double secs,
		       int timed);
char *serve_metrics_text(serve_metrics *m);

/* ---- event streams ---- */
typedef struct serve_stream serve_stream;

/* ---- the server ---- */
#define SERVE_LOGIN_LINKS 16
struct grym_serve {
	struct MHD_Daemon *d;
	unsigned port;
	int tls;
	char host[256];                 /* the listen host as in URLs */
	char **allowed;                 /* Host values accepted */
	size_t n_allowed;
	char cookie[48];                /* grym_session_PORT */
	char *static_root;              /* realpath of the static folder, NULL: none */
	char *catalog_dir;
	unsigned char token_key[GRYM_SERVE_KEY_LEN], jwt_key[GRYM_SERVE_KEY_LEN];
	grym_serve_config cfg;          /* numbers only (strings copied above) */
	serve_catpool cats;
	serve_ratelimit rate, fails;
	serve_metrics metrics;
	grym_serve_events *bus;
	char *schema_json;              /* GET /api/schema, made once */
	char *openapi_json;             /* GET /api/openapi.json, made once */
	/* jobs and uploads (route_jobs.c, route_uploads.c) */
	grym_jobs *jobs;
	grym_uploads *uploads;          /* serve/uploads: resumable uploads */
	char *staged_dir;               /* serve/staged: files given to ingest jobs */
	grym_uploads *staged;           /* the same folder, for its expiry */
	_Atomic int64_t last_expire;    /* Unix seconds of the last expiry */
	/* event streams */
	pthread_mutex_t smu;
	pthread_cond_t scv;
	serve_stream *streams;
	int nstreams;
	int stopping;
	pthread_t ticker;
	int ticker_started;
	/* one-time login links */
	pthread_mutex_t lmu;
	struct {
		unsigned char hash[GRYM_SERVE_HASH_LEN];
		int64_t expires;
		int used;
	} links[SERVE_LOGIN_LINKS];
};

/* Who made a request. */
typedef struct serve_principal {
	char id[GRYM_TOKEN_ID_MAX];     /* the token, JWT or session row */
	char kind[12];
	char role[12];
	char owner[GRYM_TOKEN_ID_MAX];  /* the token a session came from, else id */
	char csrf[64];                  /* a session's CSRF token, "" otherwise */
	int64_t expires;
	int cookie;                     /* came by the session cookie */
} serve_principal;

struct serve_req {
	grym_serve *s;
	struct MHD_Connection *c;
	const char *method, *url;
	size_t route;                   /* index in serve_routes, or the two below */
	char param[128];                /* the {id} part */
	serve_principal who;
	int authed;
	char client[64];                /* the peer's address */
	char *body;
	size_t body_len;
	int body_over;
	int replied;
	unsigned status;
	double t0;
	int stream;                     /* an event stream: not timed */
	const serve_streamer *streamer; /* a streamed body's, else NULL */
	uint64_t streamed;              /* body bytes given to the route's chunk */
	void *ctx;                      /* a streaming route's state */
	void (*ctx_free)(serve_req *r); /* called when the request ends */
};
#define SERVE_ROUTE_STATIC (serve_n_routes)
#define SERVE_ROUTE_NONE (serve_n_routes + 1)
#define SERVE_BODY_MAX (64 * 1024)

double serve_now(void);

/* libmicrohttpd's callbacks for every request (request.c): cls is the
 * server. */
enum MHD_Result serve_on_request(void *cls, struct MHD_Connection *c, const char *url,
				 const char *method, const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls);
void serve_on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			enum MHD_RequestTerminationCode toe);

/* Answering (response.c): every response goes through serve_queue. */
enum MHD_Result serve_queue(serve_req *r, unsigned status, struct MHD_Response *resp);
enum MHD_Result serve_json(serve_req *r, unsigned status, json_t *body); /* steals body */
enum MHD_Result serve_error(serve_req *r, unsigned status, const char *code,
			    const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
enum MHD_Result serve_empty(serve_req *r, unsigned status);
void serve_security_headers(struct MHD_Response *resp, int api);

/* Credentials (principal.c). serve_authenticate: 1 a principal, 0 none
 * given, -1 given but not good (err says why). */
int serve_authenticate(serve_req *r, grym_error *err);
/* A session for a token's holder, its cookie set on resp. */
int serve_session_new(serve_req *r, const grym_token_row *from, const char *role,
		      int64_t expires, struct MHD_Response *resp, grym_error *err);
/* Check a secret sent to log in (API token, JWT, one-time link when
 * link_ok): fills *row with what it stands for. 1 good, 0 not. */
int serve_login_check(serve_req *r, const char *secret, int link_ok, grym_token_row *row);
/* The session cookie's value in the request, or NULL. */
const char *serve_cookie_value(serve_req *r);

/* Audit (audit.c): one row, errors ignored (logged nowhere: lib/ does
 * not print; a failed audit write must not fail the request). */
void serve_audit(serve_req *r, const char *action, const char *outcome, const char *detail);

/* The handlers of the route table (routes.c), by file. */
enum MHD_Result serve_h_login_link(serve_req *r);      /* login.c */
enum MHD_Result serve_h_login(serve_req *r);
enum MHD_Result serve_h_logout(serve_req *r);
enum MHD_Result serve_h_session(serve_req *r);
enum MHD_Result serve_h_tokens_list(serve_req *r);     /* tokens_api.c */
enum MHD_Result serve_h_tokens_create(serve_req *r);
enum MHD_Result serve_h_tokens_revoke(serve_req *r);
enum MHD_Result serve_h_audit(serve_req *r);

enum MHD_Result serve_h_jobs_list(serve_req *r);       /* route_jobs.c */
enum MHD_Result serve_h_jobs_create(serve_req *r);
enum MHD_Result serve_h_jobs_get(serve_req *r);
enum MHD_Result serve_h_jobs_cancel(serve_req *r);
enum MHD_Result serve_h_jobs_rerun(serve_req *r);
enum MHD_Result serve_h_assets_post_begin(serve_req *r); /* route_uploads.c */
int serve_h_assets_post_chunk(serve_req *r, const char *data, size_t len);
enum MHD_Result serve_h_assets_post(serve_req *r);
enum MHD_Result serve_h_uploads_create(serve_req *r);
enum MHD_Result serve_h_uploads_get(serve_req *r);
enum MHD_Result serve_h_uploads_put_begin(serve_req *r);
int serve_h_uploads_put_chunk(serve_req *r, const char *data, size_t len);
enum MHD_Result serve_h_uploads_put(serve_req *r);
enum MHD_Result serve_h_uploads_ingest(serve_req *r);
enum MHD_Result serve_h_uploads_delete(serve_req *r);

/* 503 with Retry-After (the job queue is full); the job just queued as
 * 202 with Location, audited (route_jobs.c). */
enum MHD_Result serve_retry_later(serve_req *r, const char *why);
enum MHD_Result serve_job_accepted(serve_req *r, const char *id);

/* Jobs and uploads with the server (route_jobs.c): the runner, its
 * events on the bus, the staging folders; stopped (running jobs
 * cancelled and marked) by serve_jobs_stop. Expiry of abandoned uploads
 * at most once an hour (serve_uploads_expire, called by the upload
 * routes). */
int serve_jobs_start(grym_serve *s, const grym_serve_config *c, grym_error *err);
void serve_jobs_stop(grym_serve *s);
void serve_uploads_expire(grym_serve *s);

/* The request's JSON body as an object; NULL after answering 400. */
json_t *serve_body_object(serve_req *r, enum MHD_Result *ret);

/* 429 with Retry-After (routes.c); a failed login counted against the
 * client's address and audited. */
enum MHD_Result serve_too_many(serve_req *r, double retry);
void serve_login_failed(serve_req *r, const char *why);

/* The OpenAPI 3.1 document of the route table and the stages' schemas
 * (schema_json: GET /api/schema's text), allocated; NULL when out of
 * memory (openapi.c). */
char *serve_openapi(const char *schema_json);

/* Static files (static.c): answer GET/HEAD url from the static folder. */
enum MHD_Result serve_static(serve_req *r);

/* Event streams (stream.c). */
enum MHD_Result serve_events_open(serve_req *r);
int serve_streams_start(grym_serve *s, grym_error *err);
void serve_streams_stop(grym_serve *s);

/* ---- what the asset, view and model routes share (route_util.c) ---- */
/* A library failure as its HTTP error: NOTFOUND 404, AMBIGUOUS and
 * CONFLICT 409, INVALID 400 with "field" the name the message starts with
 * ("limit: ..." or one of fields, a NULL-ended list), UNSUPPORTED 415,
 * anything else 500. */
enum MHD_Result serve_lib_error(serve_req *r, const grym_error *err, const char *const *fields);
/* A query argument (NULL: absent). The typed readers return 0 absent, 1
 * read into *v, -1 malformed or out of [lo, hi]. */
const char *serve_arg(serve_req *r, const char *name);
int serve_arg_int(serve_req *r, const char *name, long lo, long hi, long *v);
int serve_arg_double(serve_req *r, const char *name, double *v);
/* A catalog handle of the pool (NULL after answering 503). */
grym_catalog *serve_cat(serve_req *r, enum MHD_Result *ret);
/* The {id} of the path as a full asset id: 0, or -1 after answering 404
 * or 409 (ambiguous prefix). */
int serve_resolve_asset(serve_req *r, grym_catalog *cat, char id[GRYM_ID_LEN + 1],
			enum MHD_Result *ret);
/* Send a store object (rd, taken) with Range, ETag (its id),
 * If-None-Match, If-Range, type and an inline Content-Disposition of name
 * (route_audio.c). */
enum MHD_Result serve_send_object(serve_req *r, grym_store_reader *rd, const char *type,
				  const char *name);
/* The asset's audio transcoded to format ("wav", "flac", "ogg"), from its
 * "audio" view or made and stored as one: a reader at its start, *type
 * its media type; NULL with err (route_transcode.c). */
grym_store_reader *serve_transcoded(grym_catalog *cat, const grym_asset *a, const char *format,
				    const char **type, grym_error *err);
/* Answer JSON text (malloc'ed; taken). */
enum MHD_Result serve_json_text(serve_req *r, unsigned status, char *text);

/* Assets (route_assets.c, route_audio.c), views (route_views.c), models
 * (route_models.c). */
enum MHD_Result serve_h_assets_list(serve_req *r);
enum MHD_Result serve_h_asset_get(serve_req *r);
enum MHD_Result serve_h_asset_patch(serve_req *r);
enum MHD_Result serve_h_asset_delete(serve_req *r);
enum MHD_Result serve_h_asset_audio(serve_req *r);
enum MHD_Result serve_h_asset_peaks(serve_req *r);
enum MHD_Result serve_h_asset_spectrogram(serve_req *r);
enum MHD_Result serve_h_asset_features(serve_req *r);
enum MHD_Result serve_h_asset_loudness(serve_req *r);
enum MHD_Result serve_h_embedding(serve_req *r);
enum MHD_Result serve_h_models_list(serve_req *r);
enum MHD_Result serve_h_model_get(serve_req *r);
enum MHD_Result serve_h_model_infer(serve_req *r);
/* POST /api/models/{id}/infer?window: the scores of every window by the
 * model of the path, of the staged upload file when not NULL (asset is
 * then the upload's id, for the answer), else of asset (a full id)
 * (route_infer_windows.c). */
enum MHD_Result serve_infer_windows(serve_req *r, const char *asset, const char *file,
				    double window, double hop);

#endif
