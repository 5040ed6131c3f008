/*
 * test_fuzz_output.c — grym_output on a path that is not a regular file
 * (found when /dev/null on the fuzzing machine turned into a regular file:
 * `-o /dev/null` wrote a temporary beside it and renamed it over the
 * device). A FIFO stands in for the device, so a failure here damages
 * nothing: the bytes must arrive through the FIFO, and the FIFO must
 * still be a FIFO after commit and after abort.
 */
#include "tap.h"
#include "grym/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	char fifo[4096], got[64] = "";
	grym_error err;
	grym_output *o;
	struct stat st;
	int rfd;
	ssize_t n;

	tap_plan(12);
	snprintf(fifo, sizeof fifo, "%s/fifo", tap_tmpdir());
	TAP_OK(mkfifo(fifo, 0600) == 0, "made a FIFO");
	/* a reader first, so opening the writer end does not wait */
	rfd = open(fifo, O_RDONLY | O_NONBLOCK);
	TAP_OK(rfd >= 0, "FIFO open for reading");

	o = grym_output_open(fifo, &err);
	TAP_OK(o != NULL, "grym_output_open on a FIFO%s%s", o ? "" : ": ", o ? "" : err.msg);
	if (o) {
		TAP_OK(grym_output_seekable(o) == 0, "a FIFO is not seekable");
		TAP_OK(grym_output_tmp_path(o) == NULL, "no temporary file for a FIFO");
		TAP_EQ_INT(grym_output_write(o, "hello\n", 6, &err), GRYM_OK, "write");
		TAP_EQ_INT(grym_output_commit(o, &err), GRYM_OK, "commit");
	}
	n = read(rfd, got, sizeof got - 1);
	got[n > 0 ? n : 0] = '\0';
	TAP_EQ_STR(got, "hello\n", "the bytes came through the FIFO");
	TAP_OK(stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode), "still a FIFO after commit");

	/* Abort must not replace the FIFO either: only meaningful when the
	 * output really was opened and written to. */
	o = grym_output_open(fifo, &err);
	TAP_OK(o != NULL, "grym_output_open on the FIFO again%s%s", o ? "" : ": ", o ? "" : err.msg);
	TAP_EQ_INT(o ? grym_output_write(o, "x", 1, &err) : -1, GRYM_OK, "write before abort");
	if (o)
		grym_output_abort(o);
	TAP_OK(stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode), "still a FIFO after abort");
	close(rfd);
	return tap_done();
}
