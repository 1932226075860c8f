#include "panther/util.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

size_t pn_strv_len(char *const *strv)
{
	size_t n = 0;
	while (strv && strv[n])
		n++;
	return n;
}

char **pn_strv_dup(char *const *strv)
{
	size_t n = pn_strv_len(strv);
	char **copy = pn_xcalloc(n + 1, sizeof(*copy));
	for (size_t i = 0; i < n; i++)
		copy[i] = pn_xstrdup(strv[i]);
	return copy;
}

bool pn_strv_contains(char *const *strv, const char *s)
{
	for (size_t i = 0; strv && strv[i]; i++) {
		if (strcmp(strv[i], s) == 0)
			return true;
	}
	return false;
}

void pn_strv_push(char ***strv, const char *s)
{
	size_t n = pn_strv_len(*strv);
	char **grown = pn_xrealloc(*strv, (n + 2) * sizeof(*grown));
	grown[n] = pn_xstrdup(s);
	grown[n + 1] = NULL;
	*strv = grown;
}

void pn_strv_free(char **strv)
{
	for (size_t i = 0; strv && strv[i]; i++)
		free(strv[i]);
	free(strv);
}

/* No allocation is retried: a daemon out of memory stops, and systemd restarts it. */
static _Noreturn void out_of_memory(void)
{
	fputs("panther: out of memory\n", stderr);
	abort();
}

void *pn_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p) {
		out_of_memory();
	}
	return p;
}

void *pn_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *pn_xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

char *pn_xstrndup(const char *s, size_t n)
{
	char *copy = strndup(s, n);
	if (!copy)
		out_of_memory();
	return copy;
}

char *pn_xstrdup(const char *s)
{
	char *copy = strdup(s);
	if (!copy) {
		out_of_memory();
	}
	return copy;
}

/* Length of the valid UTF-8 sequence at s (at most avail bytes), or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
	size_t len;
	uint32_t min, cp;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, min = 0x80, cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, min = 0x800, cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, min = 0x10000, cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > avail)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * Unicode's format characters (category Cf, Unicode 15: bidi controls,
 * zero-width ones, the byte order mark, tags), as closed ranges.
 */
static const uint32_t format_chars[][2] = {
	{0x00ad, 0x00ad},
	{0x0600, 0x0605},
	{0x061c, 0x061c},
	{0x06dd, 0x06dd},
	{0x070f, 0x070f},
	{0x0890, 0x0891},
	{0x08e2, 0x08e2},
	{0x180e, 0x180e},
	{0x200b, 0x200f},
	{0x202a, 0x202e},
	{0x2060, 0x2064},
	{0x2066, 0x206f},
	{0xfeff, 0xfeff},
	{0xfff9, 0xfffb},
	{0x110bd, 0x110bd},
	{0x110cd, 0x110cd},
	{0x13430, 0x1343f},
	{0x1bca0, 0x1bca3},
	{0x1d173, 0x1d17a},
	{0xe0001, 0xe0001},
	{0xe0020, 0xe007f},
};

static uint32_t utf8_decode(const unsigned char *s, size_t len)
{
	if (len == 1)
		return s[0];
	uint32_t cp = s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return cp;
}

static bool is_hidden_char(uint32_t cp)
{
	if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029)
		return true;
	for (size_t i = 0; i < PN_ARRAY_LEN(format_chars); i++) {
		if (cp >= format_chars[i][0] && cp <= format_chars[i][1])
			return true;
	}
	return false;
}

size_t pn_hidden_char_at(const char *s, size_t avail, char escaped[PN_HIDDEN_CHAR_ESCAPED])
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = utf8_seq_len(p, avail);
	if (n < 2)
		return 0;
	uint32_t cp = utf8_decode(p, n);
	if (!is_hidden_char(cp))
		return 0;
	snprintf(escaped, PN_HIDDEN_CHAR_ESCAPED, "<U+%04X>", (unsigned)cp);
	return n;
}

char *pn_sanitize_text(const char *s, size_t max)
{
	static const char replacement[] = "\xef\xbf\xbd";
	static const char ellipsis[] = "\xe2\x80\xa6";
	if (!s)
		s = "";
	size_t in_len = strlen(s);
	/* Each input byte grows to at most 5 output bytes ("<U+0085>" for 2 bytes). */
	char *out = pn_xmalloc(in_len * 5 + sizeof(ellipsis));
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0;
	while (i < in_len) {
		size_t n = utf8_seq_len(p + i, in_len - i);
		const char *piece = (const char *)p + i;
		size_t piece_len = n;
		char ctrl = '?';
		char escaped[PN_HIDDEN_CHAR_ESCAPED];
		if (n == 0) {
			piece = replacement, piece_len = 3, n = 1;
		} else if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f)) {
			piece = &ctrl, piece_len = 1;
		} else if (pn_hidden_char_at(piece, n, escaped)) {
			piece = escaped, piece_len = strlen(escaped);
		}
		if (o + piece_len > max) {
			memcpy(out + o, ellipsis, sizeof(ellipsis));
			return out;
		}
		memcpy(out + o, piece, piece_len);
		o += piece_len;
		i += n;
	}
	out[o] = '\0';
	return out;
}

int pn_set_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);
	if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
		return -errno;
	return 0;
}

int pn_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

bool pn_xdg_path(char *buf, size_t len, const char *var, const char *fallback, const char *rest)
{
	const char *base = getenv(var);
	if (base && base[0] == '/')
		return snprintf(buf, len, "%s/%s", base, rest) < (int)len;
	const char *home = getenv("HOME");
	if (!home || home[0] != '/') {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home)
		return false;
	return snprintf(buf, len, "%s/%s/%s", home, fallback, rest) < (int)len;
}

void pn_append_line(char **text, const char *line)
{
	if (!*text) {
		*text = pn_xstrdup(line);
		return;
	}
	size_t len = strlen(*text) + strlen(line) + 2;
	char *joined = pn_xmalloc(len);
	snprintf(joined, len, "%s\n%s", *text, line);
	free(*text);
	*text = joined;
}

int pn_read_file(const char *path, size_t max, char **text, size_t *len)
{
	*text = NULL;
	*len = 0;
	/* O_NONBLOCK: opening a FIFO must not hang; it is refused below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	int r = 0;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	else if ((uintmax_t)st.st_size > max)
		r = -EFBIG, *len = (size_t)st.st_size;
	if (r < 0) {
		close(fd);
		return r;
	}
	/*
	 * Files in /proc say 0 for their size: read to the end, one byte more
	 * than max to notice a file larger than that (or grown meanwhile).
	 */
	size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, have = 0;
	char *buf = pn_xmalloc(cap + 1);
	while (have <= max) {
		if (have == cap) {
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			buf = pn_xrealloc(buf, cap + 1);
		}
		ssize_t n = read(fd, buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	if (r == 0 && have > max)
		r = -EFBIG;
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[have] = '\0';
	*text = buf;
	*len = have;
	return 0;
}

char *pn_find_program(const char *name)
{
	if (strchr(name, '/'))
		return pn_xstrdup(name);
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	char buf[4096];
	while (*path) {
		size_t n = strcspn(path, ":");
		if (n > 0 &&
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name) <
				(int)sizeof(buf)) {
			struct stat st;
			if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
				return pn_xstrdup(buf);
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return NULL;
}
