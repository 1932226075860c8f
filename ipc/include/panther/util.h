#ifndef PANTHER_UTIL_H
#define PANTHER_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define PN_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* NULL-terminated string vectors. */
size_t pn_strv_len(char *const *strv);
char **pn_strv_dup(char *const *strv);
bool pn_strv_contains(char *const *strv, const char *s);
/* Appends a copy of s. */
void pn_strv_push(char ***strv, const char *s);
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
char *pn_xstrndup(const char *s, size_t n);

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

/* Adds line to *text after a line break (*text NULL: line becomes the text). */
void pn_append_line(char **text, const char *line);

/*
 * Reads a regular file whole, when it has at most max bytes (files in /proc
 * included, whose size says 0): 0 with *text (NUL-terminated; free() it)
 * and *len, or a negative errno: -EISDIR, -EINVAL for another kind of file,
 * -EFBIG when larger than max (*len is then its size, if known when opened,
 * else 0), or what open() or read() said. Never hangs on a FIFO.
 */
int pn_read_file(const char *path, size_t max, char **text, size_t *len);

/*
 * The file execvp() would run for name (a name with a '/' is taken as it
 * is): a regular executable file found on PATH (when unset or empty,
 * /usr/local/bin:/usr/bin:/bin), or NULL. free() it.
 */
char *pn_find_program(const char *name);

/* Sets O_CLOEXEC / O_NONBLOCK; 0 or a negative errno. */
int pn_set_cloexec(int fd);
int pn_set_nonblock(int fd);

#endif
