/*
 * catpool.c — catalog handles for the server's threads. A grym_catalog
 * is used by one thread at a time, and opening one per request would
 * redo the schema check each time: the pool opens up to n handles on
 * demand and lends each to one request at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "serve_int.h"

int serve_catpool_init(serve_catpool *p, const char *dir, int n, grym_error *err)
{
	memset(p, 0, sizeof *p);
	p->dir = strdup(dir);
	p->h = calloc((size_t)n, sizeof *p->h);
	p->busy = calloc((size_t)n, sizeof *p->busy);
	if (!p->dir || !p->h || !p->busy) {
		free(p->dir);
		free(p->h);
		free(p->busy);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	p->n = n;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	return GRYM_OK;
}

grym_catalog *serve_catpool_get(serve_catpool *p, grym_error *err)
{
	int i;
	grym_catalog *cat;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		for (i = 0; i < p->n && p->busy[i]; i++)
			;
		if (i < p->n)
			break;
		pthread_cond_wait(&p->cv, &p->mu);
	}
	p->busy[i] = 1;
	cat = p->h[i];
	pthread_mutex_unlock(&p->mu);
	if (!cat) {
		/* opened outside the lock: it may wait on the database */
		cat = grym_catalog_open(p->dir, err);
		pthread_mutex_lock(&p->mu);
		p->h[i] = cat;
		if (!cat) {
			p->busy[i] = 0;
			pthread_cond_signal(&p->cv);
		}
		pthread_mutex_unlock(&p->mu);
	}
	return cat;
}

void serve_catpool_put(serve_catpool *p, grym_catalog *cat)
{
	if (!cat)
		return;
	pthread_mutex_lock(&p->mu);
	for (int i = 0; i < p->n; i++)
		if (p->h[i] == cat) {
			p->busy[i] = 0;
			break;
		}
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void serve_catpool_fini(serve_catpool *p)
{
	if (!p->h)
		return;
	for (int i = 0; i < p->n; i++)
		grym_catalog_close(p->h[i]);
	free(p->h);
	free(p->busy);
	free(p->dir);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	memset(p, 0, sizeof *p);
}
