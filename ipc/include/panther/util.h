#ifndef PANTHER_UTIL_H
#define PANTHER_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define PN_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* NULL-terminated string vectors. */
size_t pn_strv_len(char *const *strv);
char **pn_strv_dup(char *const *strv);
bool pn_strv_contains(char *const *strv, const char *s);
/* Appends a copy of s; false on allocation failure (strv unchanged). */
bool pn_strv_push(char ***strv, const char *s);
void pn_strv_free(char **strv);

/*
 * The allocation policy: out of memory aborts, everywhere (panther's
 * allocations are small; a daemon that cannot make them stops, and
 * systemd restarts it). So no caller checks for NULL, and no function of
 * panther returns NULL for want of memory: allocate through these.
 */
void *pn_xmalloc(size_t size);
void *pn_xcalloc(size_t n, size_t size);
void *pn_xrealloc(void *p, size_t size);
char *pn_xstrdup(const char *s);

/*
 * Copies untrusted text for display or logging: control characters become
 * '?', characters that move or hide text (C1 controls, U+2028 and U+2029,
 * Unicode format characters such as U+202E) become "<U+202E>", invalid
 * UTF-8 becomes U+FFFD, and it is cut at max bytes with "…". s NULL reads
 * as "". Never NULL; free() it.
 */
char *pn_sanitize_text(const char *s, size_t max);

/*
 * $VAR/rest, or ~/fallback/rest when $VAR is unset or not absolute (the XDG
 * base directory rule; HOME, else the passwd entry). False when neither is
 * known or it does not fit.
 */
bool pn_xdg_path(char *buf, size_t len, const char *var, const char *fallback, const char *rest);

/* "<U+XXXXX>" and its NUL. */
#define PN_HIDDEN_CHAR_ESCAPED 10
/*
 * When s (avail bytes) starts with one of the characters pn_sanitize_text
 * escapes: its length in bytes, with the escape written to escaped. Else 0.
 */
size_t pn_hidden_char_at(const char *s, size_t avail, char escaped[PN_HIDDEN_CHAR_ESCAPED]);

/* Sets O_CLOEXEC / O_NONBLOCK; 0 or a negative errno. */
int pn_set_cloexec(int fd);
int pn_set_nonblock(int fd);

#endif
