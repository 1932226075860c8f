#include "op-session.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "panther/log.h"
#include "panther/util.h"

#define IDLE_MINUTES 10
#define MAX_MINUTES (12 * 60)

struct op_session {
	struct pn_loop *loop;
	int master;
	int slave; /* kept open: the terminal stays the session's */
	struct pn_fd *source;
	char tty[64];
	uint64_t since; /* monotonic ms of the authorization; 0: none known */
	uint64_t used;
};

uint64_t op_session_minute_ms(void)
{
	const char *s = getenv("PANTHER_TEST_1PASSWORD_MINUTE_MS");
	long ms = s ? strtol(s, NULL, 10) : 0;
	return ms > 0 ? (uint64_t)ms : 60000;
}

/* What op writes to its terminal is nobody's business: read and dropped. */
static void on_output(void *data, int fd, short revents)
{
	struct op_session *session = data;
	char scratch[1024];
	ssize_t n;
	while ((n = read(fd, scratch, sizeof(scratch))) > 0)
		;
	explicit_bzero(scratch, sizeof(scratch));
	/* EIO while no process has the terminal open (the slave is ours). */
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR && errno != EIO))
		pn_fd_set_events(session->source, 0);
}

struct op_session *op_session_open(struct pn_loop *loop, char *err, size_t errlen)
{
	/* A process group leader (started from a shell with job control) cannot. */
	if (getsid(0) != getpid() && setsid() < 0) {
		snprintf(err, errlen, "cannot lead a session of its own: %s", strerror(errno));
		return NULL;
	}
	int probe = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (probe >= 0) {
		close(probe);
		snprintf(err, errlen, "its session already has a terminal");
		return NULL;
	}
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0) {
		snprintf(err, errlen, "cannot open a pseudo-terminal: %s", strerror(errno));
		return NULL;
	}
	struct op_session *session = pn_xcalloc(1, sizeof(*session));
	session->loop = loop;
	session->master = master;
	session->slave = -1;
	if (grantpt(master) < 0 || unlockpt(master) < 0 ||
		ptsname_r(master, session->tty, sizeof(session->tty)) != 0) {
		snprintf(err, errlen, "cannot set up the pseudo-terminal: %s", strerror(errno));
		op_session_close(session);
		return NULL;
	}
	session->slave = open(session->tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (session->slave < 0 || ioctl(session->slave, TIOCSCTTY, 0) < 0) {
		snprintf(err, errlen, "cannot make %s the session's terminal: %s", session->tty,
			strerror(errno));
		op_session_close(session);
		return NULL;
	}
	pn_set_nonblock(master);
	session->source = pn_loop_add_fd(loop, master, POLLIN, on_output, session);
	return session;
}

void op_session_close(struct op_session *session)
{
	if (!session)
		return;
	pn_fd_remove(session->source);
	/* The hangup of our own terminal would stop the agent mid-exit. */
	signal(SIGHUP, SIG_IGN);
	if (session->slave >= 0)
		close(session->slave);
	close(session->master);
	free(session);
}

const char *op_session_tty(const struct op_session *session)
{
	return session->tty;
}

void op_session_authorized(struct op_session *session)
{
	if (!session)
		return;
	session->since = session->used = pn_now_ms();
	pn_info("1Password authorized panther's terminal session (%s)", session->tty);
}

void op_session_used(struct op_session *session)
{
	if (!session)
		return;
	uint64_t now = pn_now_ms();
	/* Answered without asking: authorized earlier, when is not known. */
	if (!session->since || !op_session_until(session))
		session->since = now;
	session->used = now;
}

void op_session_ended(struct op_session *session, const char *why)
{
	if (!session || !session->since)
		return;
	session->since = session->used = 0;
	pn_info("1Password's authorization of panther's terminal session ended: %s", why);
}

uint64_t op_session_until(const struct op_session *session)
{
	if (!session || !session->since)
		return 0;
	uint64_t minute = op_session_minute_ms();
	uint64_t idle = session->used + IDLE_MINUTES * minute;
	uint64_t max = session->since + MAX_MINUTES * minute;
	uint64_t until = idle < max ? idle : max;
	return until > pn_now_ms() ? until : 0;
}

uint64_t op_session_hard_end(const struct op_session *session)
{
	if (!session || !session->since)
		return 0;
	return session->since + MAX_MINUTES * op_session_minute_ms();
}

int64_t op_session_until_wall(const struct op_session *session)
{
	uint64_t until = op_session_until(session);
	if (!until)
		return 0;
	return (int64_t)time(NULL) + (int64_t)((until - pn_now_ms()) / 1000);
}
