#include "prompt-protocol.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "panther/secret.h"

static const char *const fill_names[] = {
	[PROMPT_FILL_NONE] = "none",
	[PROMPT_FILL_PENDING] = "pending",
	[PROMPT_FILL_READY] = "filled",
	[PROMPT_FILL_FAILED] = "failed",
};

const char *prompt_fill_name(enum prompt_fill fill)
{
	if ((unsigned)fill >= sizeof(fill_names) / sizeof(fill_names[0]))
		return "none";
	return fill_names[fill];
}

bool prompt_fill_from_name(const char *name, enum prompt_fill *fill)
{
	for (size_t i = 0; i < sizeof(fill_names) / sizeof(fill_names[0]); i++) {
		if (strcmp(name, fill_names[i]) == 0) {
			*fill = (enum prompt_fill)i;
			return true;
		}
	}
	return false;
}

static int send_packet(int fd, const void *buf, size_t len)
{
	for (;;) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return (size_t)n == len ? 0 : -EMSGSIZE;
		if (errno != EINTR)
			return -errno;
	}
}

/* Where a value cut at len should end so it holds no partial UTF-8 character. */
static size_t utf8_complete(const char *buf, size_t start, size_t len)
{
	size_t i = len;
	while (i > start && ((unsigned char)buf[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == start)
		return len;
	unsigned char lead = (unsigned char)buf[i - 1];
	size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
	return len - (i - 1) < need ? i - 1 : len;
}

int prompt_wire_send(int fd, const char *key, const char *value)
{
	char buf[PP_PACKET_MAX];
	size_t key_len = strlen(key);
	if (key_len + 2 > sizeof(buf))
		return -EINVAL;
	memcpy(buf, key, key_len);
	size_t len = key_len;
	if (value) {
		buf[len++] = ' ';
		const char *p = value;
		/* Room for the longest escape and the line end. */
		for (; *p && len + 3 <= sizeof(buf); p++) {
			if (*p == '\\' || *p == '\n') {
				buf[len++] = '\\';
				buf[len++] = *p == '\n' ? 'n' : '\\';
			} else {
				buf[len++] = *p;
			}
		}
		if (*p)
			len = utf8_complete(buf, key_len + 1, len);
	}
	buf[len++] = '\n';
	return send_packet(fd, buf, len);
}

int prompt_wire_send_uint(int fd, const char *key, unsigned long value)
{
	char text[24];
	snprintf(text, sizeof(text), "%lu", value);
	return prompt_wire_send(fd, key, text);
}

int prompt_wire_send_answer(int fd, const struct pn_secret *answer)
{
	int r = prompt_wire_send_uint(fd, "answer", pn_secret_len(answer));
	if (r < 0 || pn_secret_len(answer) == 0)
		return r;
	/* One write is one packet on a SOCK_SEQPACKET socket. */
	return pn_secret_write_fd(answer, fd);
}

bool prompt_wire_parse(char *buf, size_t len, struct prompt_wire_message *msg)
{
	if (len == 0 || buf[len - 1] != '\n')
		return false;
	buf[--len] = '\0';
	if (memchr(buf, '\0', len) || memchr(buf, '\n', len))
		return false;
	char *space = strchr(buf, ' ');
	char *value = space ? space + 1 : buf + len;
	if (space)
		*space = '\0';
	if (buf[0] == '\0')
		return false;
	for (const char *k = buf; *k; k++) {
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '-'))
			return false;
	}
	/* Unescape in place. */
	char *out = value;
	for (const char *in = value; *in; in++) {
		if (*in != '\\') {
			*out++ = *in;
			continue;
		}
		in++;
		if (*in == 'n')
			*out++ = '\n';
		else if (*in == '\\')
			*out++ = '\\';
		else
			return false;
	}
	*out = '\0';
	msg->key = buf;
	msg->value = value;
	return true;
}

int prompt_wire_recv(int fd, char *buf, size_t size, struct prompt_wire_message *msg)
{
	ssize_t n;
	do {
		n = recv(fd, buf, size - 1, MSG_DONTWAIT | MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (n == 0)
		return 0;
	if ((size_t)n <= size - 1 && prompt_wire_parse(buf, (size_t)n, msg))
		return 1;
	/* Not a line: it may be an answer sent out of turn. Leave nothing of it. */
	explicit_bzero(buf, size);
	return -EBADMSG;
}

int prompt_wire_pass_senders(int fd)
{
	int on = 1;
	return setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0 ? -errno : 0;
}

int prompt_wire_next_sender(int fd, pid_t *sender)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} control;
	/* No buffer: nothing of the packet (it may be a password) is copied. */
	struct msghdr mh = {.msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
	ssize_t n;
	do {
		n = recvmsg(fd, &mh, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (n == 0)
		return 0;
	*sender = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cred;
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			*sender = cred.pid;
		}
	}
	return 1;
}

void prompt_wire_drop(int fd)
{
	char scratch[PP_PACKET_MAX + 1];
	(void)recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT);
	explicit_bzero(scratch, sizeof(scratch));
}

bool prompt_wire_parse_uint(const char *value, unsigned long max, unsigned long *out)
{
	if (!value[0] || strlen(value) > 10)
		return false;
	unsigned long v = 0;
	for (const char *p = value; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}
