/*
 * audit.c — who did what, from where, with what outcome: one row of the
 * catalog's audit table per login, failed login, token made or revoked
 * and role denied (grym/catalog_auth.h; `grym-serve audit` reads them).
 */
#include <stdio.h>
#include <string.h>

#include "serve_int.h"

void serve_audit(serve_req *r, const char *action, const char *outcome, const char *detail)
{
	grym_audit_row a;
	grym_catalog *cat = serve_catpool_get(&r->s->cats, NULL);

	if (!cat)
		return;
	memset(&a, 0, sizeof a);
	a.time = (int64_t)serve_now();
	if (r->authed)
		snprintf(a.principal, sizeof a.principal, "%s:%s", r->who.kind, r->who.id);
	snprintf(a.client, sizeof a.client, "%s", r->client);
	snprintf(a.action, sizeof a.action, "%s", action);
	snprintf(a.route, sizeof a.route, "%s %s", r->method,
		 r->route < serve_n_routes ? serve_routes[r->route].path : r->url);
	snprintf(a.outcome, sizeof a.outcome, "%s", outcome);
	snprintf(a.detail, sizeof a.detail, "%s", detail ? detail : "");
	/* a failed audit write must not fail the request it records */
	(void)!grym_catalog_audit_add(cat, &a, NULL);
	serve_catpool_put(&r->s->cats, cat);
}
