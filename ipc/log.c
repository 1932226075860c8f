#include "panther/log.h"
#include "panther/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096

static struct {
	const char *prog;
	enum pn_log_level max_level;
	bool journal;
} log_state = {"panther", PN_LOG_INFO, false};

/* JOURNAL_STREAM is "DEV:INODE" of the stream journald gave us; trust it only for stderr. */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	if (!env || !*env)
		return false;
	unsigned long long dev, ino;
	if (sscanf(env, "%llu:%llu", &dev, &ino) != 2)
		return false;
	struct stat st;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void pn_log_init(const char *prog, enum pn_log_level max_level)
{
	log_state.prog = prog;
	log_state.max_level = max_level;
	log_state.journal = stderr_is_journal();
}

void pn_log_set_level(enum pn_log_level max_level)
{
	log_state.max_level = max_level;
}

enum pn_log_level pn_log_get_level(void)
{
	return log_state.max_level;
}

bool pn_log_enabled(enum pn_log_level level)
{
	return level <= log_state.max_level;
}

static const char *level_word(enum pn_log_level level)
{
	switch (level) {
	case PN_LOG_ERROR:
		return "error: ";
	case PN_LOG_WARN:
		return "warning: ";
	case PN_LOG_DEBUG:
		return "debug: ";
	default:
		return "";
	}
}

void pn_vlog(enum pn_log_level level, const char *fmt, va_list ap)
{
	if (!pn_log_enabled(level))
		return;
	int saved_errno = errno;

	char text[LINE_MAX_BYTES];
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	if (n < 0)
		n = 0;
	size_t text_len = (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1;

	/* The whole line goes out in one write so lines of several processes do not mix. */
	char line[LINE_MAX_BYTES + 64];
	int head;
	if (log_state.journal)
		head = snprintf(line, sizeof(line), "<%d>", (int)level);
	else
		head = snprintf(line, sizeof(line), "%s: %s", log_state.prog, level_word(level));
	size_t o = head > 0 ? (size_t)head : 0;
	for (size_t i = 0; i < text_len && o < sizeof(line) - PN_HIDDEN_CHAR_ESCAPED - 2; i++) {
		unsigned char c = (unsigned char)text[i];
		char escaped[PN_HIDDEN_CHAR_ESCAPED];
		size_t hidden = c >= 0x80 ? pn_hidden_char_at(text + i, text_len - i, escaped) : 0;
		if (hidden) {
			size_t len = strlen(escaped);
			memcpy(line + o, escaped, len);
			o += len;
			i += hidden - 1;
		} else if (c == '\n') {
			line[o++] = '\\';
			line[o++] = 'n';
		} else if (c < 0x20 || c == 0x7f) {
			line[o++] = '?';
		} else {
			line[o++] = (char)c;
		}
	}
	line[o++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, o);
	(void)w;
	errno = saved_errno;
}

void pn_log(enum pn_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pn_vlog(level, fmt, ap);
	va_end(ap);
}
