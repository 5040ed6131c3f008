/*
 * jobs_id.c — job ids, and the identity of the server process that runs
 * a job, so a restart can tell the jobs of a dead server (interrupted)
 * from those of a live one (another grym-serve on the same catalog).
 *
 * A server is "BOOT:PID:START": the kernel's boot id
 * (/proc/sys/kernel/random/boot_id), the pid, and the process's start
 * time in clock ticks since boot (/proc/PID/stat field 22). A pid alone
 * is reused; with its start time and the boot it names one process.
 */
#include "grym/catalog_jobs.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

int grym_job_id_valid(const char *s)
{
	size_t i;
	for (i = 0; s && s[i]; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return s && i == GRYM_JOB_ID_LEN;
}

int grym_job_new_id(char id[GRYM_JOB_ID_LEN + 1], grym_error *err)
{
	unsigned char rnd[10];
	struct timespec ts;
	size_t got = 0;

	while (got < sizeof rnd) {
		ssize_t r = getrandom(rnd + got, sizeof rnd - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return grym_error_set(err, GRYM_ERR_IO, "no random bytes for a job id: %s",
					      strerror(errno));
		got += (size_t)r;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	snprintf(id, GRYM_JOB_ID_LEN + 1, "%012" PRIx64, (uint64_t)(ms & 0xffffffffffffULL));
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(id + 12 + 2 * i, 3, "%02x", rnd[i]);
	return GRYM_OK;
}

/* The boot id: 36 characters (a UUID) into buf, 0; -1 if unreadable. */
static int boot_id(char buf[40])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	int ok = f && fgets(buf, 40, f) != NULL;
	if (f)
		fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return buf[0] && !strchr(buf, ':') ? 0 : -1;
}

/* The start time of process pid (field 22 of /proc/PID/stat, after the
 * command name in parentheses, which may hold spaces and parentheses);
 * -1 when there is no such process. */
static int start_time(long pid, unsigned long long *start)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "re");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* fields 3 .. 21 follow the name; the 20th field after it is 22 */
	p++;
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -1;
	}
	char *end;
	errno = 0;
	*start = strtoull(p + 1, &end, 10);
	return errno || end == p + 1 ? -1 : 0;
}

int grym_job_server_self(char *buf, size_t len, grym_error *err)
{
	char boot[40];
	unsigned long long start;
	long pid = (long)getpid();

	if (boot_id(boot) != 0 || start_time(pid, &start) != 0)
		return grym_error_set(err, GRYM_ERR_IO, "/proc: cannot read this process's boot "
				      "id and start time");
	if ((size_t)snprintf(buf, len, "%s:%ld:%llu", boot, pid, start) >= len)
		return grym_error_set(err, GRYM_ERR_LIMIT, "server name longer than %zu bytes", len);
	return GRYM_OK;
}

int grym_job_server_alive(const char *server)
{
	char boot[40], mine[40];
	long pid;
	unsigned long long start, now;
	const char *c1 = server ? strchr(server, ':') : NULL;
	char *end;

	if (!c1 || (size_t)(c1 - server) >= sizeof boot)
		return 0;
	memcpy(boot, server, (size_t)(c1 - server));
	boot[c1 - server] = '\0';
	errno = 0;
	pid = strtol(c1 + 1, &end, 10);
	if (errno || end == c1 + 1 || *end != ':' || pid <= 0)
		return 0;
	const char *s = end + 1;
	start = strtoull(s, &end, 10);
	if (errno || end == s || *end)
		return 0;
	if (boot_id(mine) != 0 || strcmp(mine, boot))
		return 0;
	return start_time(pid, &now) == 0 && now == start;
}
