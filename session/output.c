#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "panther/log.h"
#include "panther/util.h"

struct output {
	struct output **list;
	struct output *next;
	struct output **owner;
	char *name;
	int fd;
	struct pn_fd *source;
	size_t len;
	char buf[OUTPUT_LINE_MAX];
};

static void output_line(struct output *out, const char *line, size_t len)
{
	pn_info("%s: %.*s", out->name, (int)len, line);
}

static void flush_lines(struct output *out, bool all)
{
	size_t start = 0;
	for (size_t i = 0; i < out->len; i++) {
		if (out->buf[i] == '\n') {
			output_line(out, out->buf + start, i - start);
			start = i + 1;
		}
	}
	if (start < out->len && (all || (start == 0 && out->len == sizeof(out->buf)))) {
		output_line(out, out->buf + start, out->len - start);
		start = out->len;
	}
	memmove(out->buf, out->buf + start, out->len - start);
	out->len -= start;
}

static void output_free(struct output *out)
{
	for (struct output **p = out->list; *p; p = &(*p)->next) {
		if (*p == out) {
			*p = out->next;
			break;
		}
	}
	if (out->owner)
		*out->owner = NULL;
	pn_fd_remove(out->source);
	close(out->fd);
	free(out->name);
	free(out);
}

static void readable(void *data, int fd, short revents)
{
	struct output *out = data;
	for (;;) {
		ssize_t n = read(fd, out->buf + out->len, sizeof(out->buf) - out->len);
		if (n > 0) {
			out->len += (size_t)n;
			flush_lines(out, false);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		/* End of file (every writer is gone) or a read error. */
		flush_lines(out, true);
		output_free(out);
		return;
	}
}

int output_open(struct pn_loop *loop, struct output **list, const char *name, struct output **owner,
	int *write_fd)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	/* Only our end is non-blocking; the service writes as it would to a terminal. */
	int flags = fcntl(fds[1], F_GETFL);
	if (flags < 0 || fcntl(fds[1], F_SETFL, flags & ~O_NONBLOCK) < 0) {
		int r = -errno;
		close(fds[0]);
		close(fds[1]);
		return r;
	}
	struct output *out = pn_xcalloc(1, sizeof(*out));
	out->list = list;
	out->name = pn_xstrdup(name);
	out->fd = fds[0];
	out->source = pn_loop_add_fd(loop, fds[0], POLLIN, readable, out);
	out->next = *list;
	*list = out;
	if (owner) {
		if (*owner)
			output_disown(*owner);
		out->owner = owner;
		*owner = out;
	}
	*write_fd = fds[1];
	return 0;
}

void output_drain(struct output *out)
{
	readable(out, out->fd, POLLIN);
}

void output_disown(struct output *out)
{
	out->owner = NULL;
}

void output_close_all(struct output **list)
{
	while (*list) {
		flush_lines(*list, true);
		output_free(*list);
	}
}
