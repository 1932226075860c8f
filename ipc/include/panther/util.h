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

/* Aborts on allocation failure: for the small allocations of state structs. */
void *pn_xcalloc(size_t n, size_t size);
char *pn_xstrdup(const char *s);

/*
 * Copies untrusted text for display or logging: control characters become
 * '?', invalid UTF-8 becomes U+FFFD, and it is cut at max bytes with "…".
 */
char *pn_sanitize_text(const char *s, size_t max);

/*
 * "$VAR/rest" when VAR holds an absolute path (the XDG spec ignores relative
 * ones), else "$HOME/fallback/rest" (HOME from passwd when unset). False when
 * there is no home or buf is too small.
 */
bool pn_xdg_path(char *buf, size_t len, const char *var, const char *fallback,
	const char *rest);

/* Sets O_CLOEXEC / O_NONBLOCK; 0 or a negative errno. */
int pn_set_cloexec(int fd);
int pn_set_nonblock(int fd);

#endif
