/* test_serve_server.c — starting and stopping grym-serve's server in
 * process (grym/serve.h): what it refuses before it listens, two servers
 * side by side (no global state), its URL and login links, and events
 * published with no stream open. */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "grym/grym.h"

static grym_serve *start(const char *dir, const char *listen, grym_error *err)
{
	grym_serve_config c;
	grym_serve_config_init(&c);
	c.catalog_dir = dir;
	c.listen = listen;
	c.threads = 2;
	return grym_serve_new(&c, err);
}

int main(void)
{
	char dir[4096], url[256], link[512], prefix[300];
	grym_error err = { 0 };
	grym_serve_config c;
	grym_serve *a, *b;

	tap_plan(17);
	snprintf(dir, sizeof dir, "%s/cat", tap_tmpdir());
	grym_serve_config_init(&c);
	TAP_EQ_STR(c.listen, "127.0.0.1:8080", "the default address");
	TAP_EQ_INT(c.keepalive, 15, "keepalive every 15 s");

	TAP_OK(!start(dir, "10.1.2.3:0", &err) && err.code == GRYM_ERR_INVALID &&
		       strstr(err.msg, "not a loopback address"),
	       "a non-loopback address without TLS is refused (%s)", err.msg);
	TAP_OK(!start(dir, "127.0.0.1", &err) && err.code == GRYM_ERR_INVALID,
	       "an address without a port is refused");
	TAP_OK(!start(dir, "127.0.0.1:99999", &err) && err.code == GRYM_ERR_INVALID,
	       "a port over 65535 is refused");
	grym_serve_config_init(&c);
	c.catalog_dir = dir;
	c.listen = "127.0.0.1:0";
	c.tls_cert_pem = "x";
	TAP_OK(!grym_serve_new(&c, &err) && err.code == GRYM_ERR_INVALID,
	       "a certificate without a key is refused");
	c.tls_cert_pem = NULL;
	c.static_dir = "/nonexistent/grym-static";
	TAP_OK(!grym_serve_new(&c, &err) && err.code == GRYM_ERR_INVALID &&
		       strstr(err.msg, "--static"),
	       "a static folder that is not there is refused");

	a = start(dir, "127.0.0.1:0", &err);
	TAP_OK(a != NULL, "a server on a free port (%s)", err.msg);
	b = start(dir, "127.0.0.1:0", &err);
	TAP_OK(b != NULL, "a second one beside it, on the same catalog (%s)", err.msg);
	if (!a || !b) {
		grym_serve_free(a);
		grym_serve_free(b);
		return tap_done();
	}
	TAP_OK(grym_serve_port(a) > 0 && grym_serve_port(b) > 0 &&
		       grym_serve_port(a) != grym_serve_port(b),
	       "each has its own port");
	TAP_EQ_INT(grym_serve_url(a, url, sizeof url), GRYM_OK, "its URL");
	snprintf(prefix, sizeof prefix, "http://127.0.0.1:%u", grym_serve_port(a));
	TAP_EQ_STR(url, prefix, "http://127.0.0.1:PORT");
	TAP_EQ_INT(grym_serve_url(a, url, 10), GRYM_ERR_INVALID, "a URL that does not fit");
	TAP_EQ_INT(grym_serve_login_link(a, 60, link, sizeof link, &err), GRYM_OK, "a login link");
	TAP_OK(!strncmp(link, prefix, strlen(prefix)) &&
		       !strncmp(link + strlen(prefix), "/login?token=grym_login_", 24) &&
		       strlen(link) == strlen(prefix) + 24 + 32,
	       "URL/login?token=grym_login_ and 32 characters (%s)", link);
	int full = 0;
	for (int i = 0; i < 20 && !full; i++)
		full = grym_serve_login_link(a, 60, link, sizeof link, &err) == GRYM_ERR_LIMIT;
	TAP_OK(full, "pending links are bounded");
	TAP_OK(grym_serve_events_publish(grym_serve_bus(a), "test.event", "{\"n\":1}") == 1 &&
		       grym_serve_events_last_id(grym_serve_bus(b)) == 0,
	       "each server has its own event bus");
	grym_serve_free(a);
	grym_serve_free(b);
	grym_serve_free(NULL);
	return tap_done();
}
