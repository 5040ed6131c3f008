/*
 * grym-serve — the catalog behind a local HTTP API (grym/serve.h), and
 * its tokens and audit log.
 *
 *   grym-serve [--listen 127.0.0.1:8080] [--static DIR] [--open] ...
 *   grym-serve token create --role admin|editor|viewer [--expires DUR] [--name N] [--jwt]
 *   grym-serve token list
 *   grym-serve token revoke ID
 *   grym-serve audit [--since T]
 *
 * Options, signals and printing only: the server, the credentials and
 * the rows are libgrym's.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "grym/grym.h"

static grym_cli cli;

static const grym_option options[] = {
	{ "listen", 0, "HOST:PORT", "127.0.0.1:8080", "address to serve on ([::1]:8080 for IPv6; port 0: any free port)" },
	{ "static", 0, "DIR", "the installed web-static", "serve the UI's files from DIR" },
	{ "open", 0, NULL, NULL, "open the login link in a browser (xdg-open)" },
	{ "allow-host", 0, "H", NULL, "accept Host H (name or name:port) too (repeatable)" },
	{ "tls-cert", 0, "FILE", NULL, "serve HTTPS with this PEM certificate (with --tls-key)" },
	{ "tls-key", 0, "FILE", NULL, "the PEM private key of --tls-cert" },
	{ "insecure", 0, NULL, NULL, "allow a non-loopback --listen without TLS" },
	{ "jobs", 'j', "N", "2", "jobs run at once" },
	{ "queue-limit", 0, "N", "64", "jobs waiting for a worker (more: 503, Retry-After)" },
	{ "threads", 0, "N", "4", "threads answering requests" },
	{ "max-upload", 0, "SIZE", "4G", "largest upload (K, M, G suffixes)" },
	{ "rate-limit", 0, "R", "50", "requests a second per principal (0: no limit)" },
	{ "burst", 0, "N", "200", "requests a principal may make at once above the rate" },
	{ "login-failures", 0, "N", "10", "failed logins a minute per client address" },
	{ "role", 0, "ROLE", NULL, "token create: admin, editor or viewer" },
	{ "expires", 0, "DUR", NULL, "token create: lifetime (90s, 15m, 12h, 30d, 2w)" },
	{ "name", 0, "N", NULL, "token create: a name to recognise it by" },
	{ "jwt", 0, NULL, NULL, "token create: issue an HS256 JWT (needs --expires)" },
	{ "since", 0, "T", NULL, "audit: rows from T (Unix seconds, or a duration ago: 1h, 7d)" },
	{ 0, 0, NULL, NULL, NULL }
};

#define MAX_HOSTS 32

typedef struct args {
	grym_serve_config cfg;
	const char *hosts[MAX_HOSTS];
	const char *tls_cert, *tls_key;
	const char *role, *expires, *name, *since;
	int open, jwt;
	const char *used[32];
	int nused;
} args;

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno || s[0] == '-')
		return -1;
	switch (*end) {
	case 0: break;
	case 'K': case 'k': mul = 1ULL << 10; end++; break;
	case 'M': case 'm': mul = 1ULL << 20; end++; break;
	case 'G': case 'g': mul = 1ULL << 30; end++; break;
	case 'T': case 't': mul = 1ULL << 40; end++; break;
	default: return -1;
	}
	if (*end || v == 0 || v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static int on_option(void *ud, const char *name, const char *arg)
{
	args *a = ud;
	long v;
	double d;

	if (a->nused < 32)
		a->used[a->nused++] = name;
	if (!strcmp(name, "listen"))
		a->cfg.listen = arg;
	else if (!strcmp(name, "static"))
		a->cfg.static_dir = arg;
	else if (!strcmp(name, "open"))
		a->open = 1;
	else if (!strcmp(name, "allow-host")) {
		if (a->cfg.n_allow_hosts == MAX_HOSTS) {
			grym_msg(&cli, "--allow-host: at most %d", MAX_HOSTS);
			return -1;
		}
		a->hosts[a->cfg.n_allow_hosts++] = arg;
	} else if (!strcmp(name, "tls-cert"))
		a->tls_cert = arg;
	else if (!strcmp(name, "tls-key"))
		a->tls_key = arg;
	else if (!strcmp(name, "insecure"))
		a->cfg.insecure = 1;
	else if (!strcmp(name, "jobs")) {
		if (grym_parse_jobs(&cli, arg, &v) != 0)
			return -1;
		a->cfg.jobs = (unsigned)v;
	} else if (!strcmp(name, "queue-limit")) {
		if (grym_parse_int(&cli, name, arg, 1, 100000, &v) != 0)
			return -1;
		a->cfg.queue_limit = (unsigned)v;
	} else if (!strcmp(name, "threads")) {
		if (grym_parse_int(&cli, name, arg, 1, 256, &v) != 0)
			return -1;
		a->cfg.threads = (unsigned)v;
	} else if (!strcmp(name, "max-upload")) {
		if (parse_size(arg, &a->cfg.max_upload) != 0) {
			grym_msg(&cli, "--max-upload: '%s' is not a size (e.g. 500M, 4G)", arg);
			return -1;
		}
	} else if (!strcmp(name, "rate-limit")) {
		if (grym_parse_double(&cli, name, arg, 0, 1e6, &d) != 0)
			return -1;
		a->cfg.rate = d;
	} else if (!strcmp(name, "burst")) {
		if (grym_parse_double(&cli, name, arg, 1, 1e7, &d) != 0)
			return -1;
		a->cfg.burst = d;
	} else if (!strcmp(name, "login-failures")) {
		if (grym_parse_double(&cli, name, arg, 1, 1e6, &d) != 0)
			return -1;
		a->cfg.login_failures = d;
	} else if (!strcmp(name, "role"))
		a->role = arg;
	else if (!strcmp(name, "expires"))
		a->expires = arg;
	else if (!strcmp(name, "name"))
		a->name = arg;
	else if (!strcmp(name, "jwt"))
		a->jwt = 1;
	else if (!strcmp(name, "since"))
		a->since = arg;
	return 0;
}

/* Which options a command takes. */
static void only(const args *a, const char *cmd, const char *const *ok)
{
	for (int i = 0; i < a->nused; i++) {
		int found = 0;
		for (const char *const *o = ok; *o; o++)
			found |= !strcmp(*o, a->used[i]);
		if (!found)
			grym_usage_error(&cli, "%s does not take --%s", cmd, a->used[i]);
	}
}

static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	if (!f) {
		grym_msg(&cli, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(1 << 20);
	n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	if (buf && (ferror(f) || n == (1 << 20) - 1)) {
		grym_msg(&cli, "%s: cannot read it, or larger than 1 MiB", path);
		free(buf);
		buf = NULL;
	} else if (buf) {
		buf[n] = 0;
	}
	fclose(f);
	return buf;
}

/* The UI's folder when --static is not given: beside the program once
 * installed (PREFIX/share/grym/web-static), else the source tree's
 * (build/bin/../../web-static). NULL when neither exists. */
static const char *default_static(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	static const char *const rel[] = { "/../share/grym/web-static", "/../../web-static" };
	struct stat sb;
	char *slash;
	if (n <= 0)
		return NULL;
	exe[n] = 0;
	if (!(slash = strrchr(exe, '/')))
		return NULL;
	*slash = 0;
	for (size_t i = 0; i < 2; i++) {
		if (snprintf(buf, len, "%s%s", exe, rel[i]) < (int)len && stat(buf, &sb) == 0 &&
		    S_ISDIR(sb.st_mode))
			return buf;
	}
	return NULL;
}

static grym_catalog *open_catalog(char *dir, size_t len)
{
	grym_error err = { 0 };
	grym_catalog *cat;
	if (grym_cli_catalog_dir(&cli, dir, len, &err) != GRYM_OK) {
		grym_report(&cli, NULL, &err);
		return NULL;
	}
	cat = grym_catalog_open(dir, &err);
	if (!cat)
		grym_report(&cli, dir, &err);
	return cat;
}

static int load_keys(const char *dir, unsigned char tk[GRYM_SERVE_KEY_LEN],
		     unsigned char jk[GRYM_SERVE_KEY_LEN])
{
	grym_error err = { 0 };
	if (grym_serve_key_load(dir, "token.key", tk, &err) != GRYM_OK ||
	    grym_serve_key_load(dir, "jwt.key", jk, &err) != GRYM_OK) {
		grym_report(&cli, NULL, &err);
		return -1;
	}
	return 0;
}

static void put_time(int64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;
	if (!t) {
		fputs("-", stdout);
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fputs(buf, stdout);
}

static int check_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		grym_msg(&cli, "standard output: %s", strerror(errno));
		return GRYM_EXIT_FAILED;
	}
	return GRYM_EXIT_OK;
}

/* An audit row for what the command line did: the principal is the
 * local user (whoever can run this owns the catalog's files). */
static void audit_local(grym_catalog *cat, const char *action, const char *outcome,
			const char *detail)
{
	grym_audit_row r;
	memset(&r, 0, sizeof r);
	r.time = (int64_t)time(NULL);
	snprintf(r.principal, sizeof r.principal, "local:uid %ld", (long)getuid());
	snprintf(r.client, sizeof r.client, "grym-serve");
	snprintf(r.action, sizeof r.action, "%s", action);
	snprintf(r.outcome, sizeof r.outcome, "%s", outcome);
	snprintf(r.detail, sizeof r.detail, "%s", detail);
	grym_error err = { 0 };
	if (grym_catalog_audit_add(cat, &r, &err) != GRYM_OK)
		grym_report(&cli, "audit", &err);
}

/* ---- token create | list | revoke ---- */

static int print_token(void *ud, const grym_token_row *t)
{
	(void)ud;
	printf("%s\t%s\t%s\t", t->id, t->kind, t->role);
	grym_cli_put_escaped(stdout, t->name[0] ? t->name : "-");
	putchar('\t');
	put_time(t->created);
	putchar('\t');
	put_time(t->expires);
	putchar('\t');
	put_time(t->revoked);
	putchar('\t');
	put_time(t->last_used);
	putchar('\n');
	return 0;
}

static int cmd_token(args *a, int n, char **ops)
{
	static const char *const create_opts[] = { "role", "expires", "name", "jwt", NULL };
	static const char *const none[] = { NULL };
	char dir[4096];
	grym_error err = { 0 };
	grym_catalog *cat;
	int rc = GRYM_EXIT_OK;
	int64_t now = (int64_t)time(NULL);

	if (n < 1)
		grym_usage_error(&cli, "token needs create, list or revoke");
	if (!strcmp(ops[0], "create")) {
		only(a, "token create", create_opts);
		if (n != 1)
			grym_usage_error(&cli, "token create takes no operand");
		if (!a->role || !grym_serve_role_rank(a->role))
			grym_usage_error(&cli, "token create needs --role admin, editor or viewer");
		int64_t secs = 0;
		if (a->expires && grym_serve_parse_duration(a->expires, &secs, &err) != GRYM_OK)
			grym_usage_error(&cli, "--expires: %s", err.msg);
		if (a->jwt && !a->expires)
			grym_usage_error(&cli, "--jwt needs --expires (a JWT must expire)");
		if (a->name && strlen(a->name) >= GRYM_TOKEN_NAME_MAX)
			grym_usage_error(&cli, "--name: longer than %d bytes", GRYM_TOKEN_NAME_MAX - 1);
	} else if (!strcmp(ops[0], "list")) {
		only(a, "token list", none);
		if (n != 1)
			grym_usage_error(&cli, "token list takes no operand");
	} else if (!strcmp(ops[0], "revoke")) {
		only(a, "token revoke", none);
		if (n != 2)
			grym_usage_error(&cli, "token revoke needs one token id");
	} else {
		grym_usage_error(&cli, "unknown token command '%s' (create, list, revoke)", ops[0]);
	}
	if (!(cat = open_catalog(dir, sizeof dir)))
		return GRYM_EXIT_FAILED;
	if (!strcmp(ops[0], "create")) {
		unsigned char tk[GRYM_SERVE_KEY_LEN], jk[GRYM_SERVE_KEY_LEN];
		char *secret = NULL;
		grym_token_row row;
		int64_t secs = 0;
		if (a->expires)
			(void)!grym_serve_parse_duration(a->expires, &secs, NULL);
		if (load_keys(dir, tk, jk) != 0) {
			rc = GRYM_EXIT_FAILED;
		} else if (grym_serve_token_issue(cat, tk, jk, a->jwt, a->role, a->name,
						  secs ? now + secs : 0, now, &secret, &row,
						  &err) != GRYM_OK) {
			grym_report(&cli, NULL, &err);
			rc = GRYM_EXIT_FAILED;
		} else {
			printf("%s\n", secret);
			audit_local(cat, "token.create", "ok", row.id);
			grym_info(&cli, "%s %s (%s) made; this is the only time it is shown", row.kind,
				  row.id, row.role);
			rc = check_stdout();
		}
		free(secret);
	} else if (!strcmp(ops[0], "list")) {
		if (grym_catalog_token_list(cat, NULL, print_token, NULL, &err) != GRYM_OK) {
			grym_report(&cli, NULL, &err);
			rc = GRYM_EXIT_FAILED;
		} else {
			rc = check_stdout();
		}
	} else {
		if (grym_catalog_token_revoke(cat, ops[1], now, &err) != GRYM_OK) {
			grym_report(&cli, ops[1], &err);
			audit_local(cat, "token.revoke", err.code == GRYM_ERR_NOTFOUND ? "not_found"
										   : "failed", ops[1]);
			rc = GRYM_EXIT_FAILED;
		} else {
			audit_local(cat, "token.revoke", "ok", ops[1]);
			grym_info(&cli, "%s revoked (and its sessions)", ops[1]);
		}
	}
	grym_catalog_close(cat);
	return rc;
}

/* ---- audit ---- */

static int print_audit(void *ud, const grym_audit_row *r)
{
	(void)ud;
	put_time(r->time);
	printf("\t%s\t%s\t%s\t", r->principal[0] ? r->principal : "-",
	       r->client[0] ? r->client : "-", r->action);
	grym_cli_put_escaped(stdout, r->route[0] ? r->route : "-");
	printf("\t%s\t", r->outcome);
	grym_cli_put_escaped(stdout, r->detail[0] ? r->detail : "-");
	putchar('\n');
	return 0;
}

static int cmd_audit(args *a, int n)
{
	static const char *const opts[] = { "since", NULL };
	char dir[4096];
	grym_error err = { 0 };
	grym_catalog *cat;
	int64_t since = 0, secs;
	int rc = GRYM_EXIT_OK;

	only(a, "audit", opts);
	if (n)
		grym_usage_error(&cli, "audit takes no operand");
	if (a->since) {
		char *end;
		long long v;
		errno = 0;
		v = strtoll(a->since, &end, 10);
		if (!*end && !errno && v >= 0 && end != a->since)
			since = v;
		else if (grym_serve_parse_duration(a->since, &secs, &err) == GRYM_OK)
			since = (int64_t)time(NULL) - secs;
		else
			grym_usage_error(&cli, "--since: '%s' is not Unix seconds or a duration",
					 a->since);
	}
	if (!(cat = open_catalog(dir, sizeof dir)))
		return GRYM_EXIT_FAILED;
	if (grym_catalog_audit_list(cat, since, print_audit, NULL, &err) != GRYM_OK) {
		grym_report(&cli, NULL, &err);
		rc = GRYM_EXIT_FAILED;
	} else {
		rc = check_stdout();
	}
	grym_catalog_close(cat);
	return rc;
}

/* ---- serving ---- */

/* The first start makes an admin token and shows it once. */
static int first_admin(const char *dir)
{
	grym_error err = { 0 };
	grym_catalog *cat = grym_catalog_open(dir, &err);
	unsigned char tk[GRYM_SERVE_KEY_LEN], jk[GRYM_SERVE_KEY_LEN];
	int64_t n = 0, now = (int64_t)time(NULL);
	char *secret = NULL;
	grym_token_row row;
	int rc = 0;

	if (!cat) {
		grym_report(&cli, dir, &err);
		return -1;
	}
	if (grym_catalog_token_count(cat, "token", "admin", now, &n, &err) != GRYM_OK) {
		grym_report(&cli, dir, &err);
		rc = -1;
	} else if (n == 0) {
		if (load_keys(dir, tk, jk) != 0 ||
		    grym_serve_token_issue(cat, tk, jk, 0, "admin", "first admin", 0, now, &secret,
					   &row, &err) != GRYM_OK) {
			if (err.msg[0])
				grym_report(&cli, dir, &err);
			rc = -1;
		} else {
			audit_local(cat, "token.create", "ok", row.id);
			fprintf(stderr,
				"grym-serve: the first admin token (%s), shown this once: keep it\n"
				"    %s\n", row.id, secret);
		}
		free(secret);
	}
	grym_catalog_close(cat);
	return rc;
}

static void open_browser(const char *url)
{
	pid_t pid = fork();
	if (pid == 0) {
		execlp("xdg-open", "xdg-open", url, (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		grym_msg(&cli, "--open: cannot start xdg-open: %s", strerror(errno));
}

static int cmd_serve(args *a)
{
	static const char *const opts[] = { "listen", "static", "open", "allow-host", "tls-cert",
					    "tls-key", "insecure", "jobs", "queue-limit", "threads", "max-upload",
					    "rate-limit", "burst", "login-failures", NULL };
	char dir[4096], stat_buf[PATH_MAX], url[512], link[640];
	char *cert = NULL, *key = NULL;
	grym_error err = { 0 };
	grym_serve *s;
	sigset_t block, old;
	int rc = GRYM_EXIT_OK;

	only(a, "serving", opts);
	if (!a->tls_cert != !a->tls_key)
		grym_usage_error(&cli, "--tls-cert and --tls-key go together");
	if (grym_cli_catalog_dir(&cli, dir, sizeof dir, &err) != GRYM_OK) {
		grym_report(&cli, NULL, &err);
		return GRYM_EXIT_FAILED;
	}
	if (!a->cfg.static_dir)
		a->cfg.static_dir = default_static(stat_buf, sizeof stat_buf);
	if (a->tls_cert && (!(cert = read_pem(a->tls_cert)) || !(key = read_pem(a->tls_key)))) {
		free(cert);
		return GRYM_EXIT_FAILED;
	}
	a->cfg.catalog_dir = dir;
	a->cfg.allow_hosts = a->hosts;
	a->cfg.tls_cert_pem = cert;
	a->cfg.tls_key_pem = key;
	/* a client going away must not stop the server */
	signal(SIGPIPE, SIG_IGN);
	/* the pool's threads inherit this mask: the stop signals come here */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	s = grym_serve_new(&a->cfg, &err);
	if (!s) {
		grym_report(&cli, NULL, &err);
		rc = err.code == GRYM_ERR_INVALID ? GRYM_EXIT_USAGE : GRYM_EXIT_FAILED;
		goto out;
	}
	/* after the server is up: a refused start makes no token */
	if (first_admin(dir) != 0 || grym_serve_url(s, url, sizeof url) != GRYM_OK ||
	    grym_serve_login_link(s, 24 * 3600, link, sizeof link, &err) != GRYM_OK) {
		grym_report(&cli, NULL, &err);
		grym_serve_free(s);
		rc = GRYM_EXIT_FAILED;
		goto out;
	}
	fprintf(stderr,
		"grym-serve: serving %s (catalog %s)\n"
		"grym-serve: to log in, open this link once (valid 24 hours):\n"
		"    %s\n"
		"grym-serve: Ctrl-C stops it\n", url, dir, link);
	if (a->open)
		open_browser(link);
	while (!grym_cli_cancel)
		sigsuspend(&old);
	grym_info(&cli, "stopping (%s)", strsignal(grym_cli_cancel));
	grym_serve_free(s);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
out:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(cert);
	free(key);
	return rc;
}

int main(int argc, char **argv)
{
	args a;
	int first, n;

	memset(&a, 0, sizeof a);
	grym_serve_config_init(&a.cfg);
	grym_cli_init(&cli, "grym-serve", "[OPTION]... [token create|list|revoke ID | audit]",
		      "Serve the catalog over a local HTTP API with a browser login, or look "
		      "after its tokens and audit log.", options);
	first = grym_cli_parse(&cli, argc, argv, on_option, &a);
	n = argc - first;
	if (n == 0)
		return cmd_serve(&a);
	if (!strcmp(argv[first], "token"))
		return cmd_token(&a, n - 1, argv + first + 1);
	if (!strcmp(argv[first], "audit"))
		return cmd_audit(&a, n - 1);
	grym_usage_error(&cli, "unknown command '%s' (token, audit, or none to serve)", argv[first]);
}
