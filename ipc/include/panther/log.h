#ifndef PANTHER_LOG_H
#define PANTHER_LOG_H

/*
 * Logging to stderr. When JOURNAL_STREAM is set (stderr is connected to
 * journald) each line carries a "<N>" syslog priority prefix instead of a
 * level word. One line per message; embedded newlines, control characters
 * and the characters pn_sanitize_text() escapes (U+2028, U+202E, ...) are
 * escaped in the formatted text so a peer cannot forge log lines.
 *
 * There is deliberately no way to log a struct pn_secret: see secret.h.
 */

#include <stdarg.h>
#include <stdbool.h>

enum pn_log_level {
	PN_LOG_ERROR = 3,
	PN_LOG_WARN = 4,
	PN_LOG_NOTICE = 5,
	PN_LOG_INFO = 6,
	PN_LOG_DEBUG = 7,
};

/* prog names the daemon in each line when not under journald. */
void pn_log_init(const char *prog, enum pn_log_level max_level);
void pn_log_set_level(enum pn_log_level max_level);
enum pn_log_level pn_log_get_level(void);
bool pn_log_enabled(enum pn_log_level level);

void pn_log(enum pn_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pn_vlog(enum pn_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define pn_err(...) pn_log(PN_LOG_ERROR, __VA_ARGS__)
#define pn_warn(...) pn_log(PN_LOG_WARN, __VA_ARGS__)
#define pn_notice(...) pn_log(PN_LOG_NOTICE, __VA_ARGS__)
#define pn_info(...) pn_log(PN_LOG_INFO, __VA_ARGS__)
#define pn_debug(...) pn_log(PN_LOG_DEBUG, __VA_ARGS__)

#endif
