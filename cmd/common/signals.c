/*
 * signals.c — one process-wide cancel flag for every grym program (see
 * cli.h).
 *
 * SIGINT, SIGTERM, SIGHUP and SIGPIPE only set grym_cli_cancel to the
 * signal's number: the program then stops at its next check (lib/ takes
 * a pointer to the flag in its options, and a read blocked on a pipe
 * returns EINTR since the handlers are installed without SA_RESTART),
 * removes its temporaries, leaves an existing output file untouched, and
 * at exit dies of the same signal, so its status is 128+N (130 for
 * Ctrl-C) as the shell and make expect. A second signal while the first
 * is being handled ends the process at once (default action): a user
 * pressing Ctrl-C twice means it. Unnamed temporaries (O_TMPFILE) make
 * even that, or a SIGKILL, leave nothing behind.
 */
#include "cli.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

volatile sig_atomic_t grym_cli_cancel;

static const int caught[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };

static void on_signal(int sig)
{
	if (grym_cli_cancel) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	grym_cli_cancel = sig;
}

/* At exit (return from main or exit()): die of the signal that cancelled
 * the run. The program has cleaned up by then. */
static void die_of_signal(void)
{
	int sig = grym_cli_cancel;
	sigset_t set;

	if (!sig)
		return;
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}

void grym_cli_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocked read returns EINTR */
	for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++)
		sigaction(caught[i], &sa, NULL);
	atexit(die_of_signal);
}
