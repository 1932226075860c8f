#ifndef PANTHER_SECRET_H
#define PANTHER_SECRET_H

/*
 * Buffers for passwords and 1Password answers. The memory is mmap'd, locked
 * (mlock), excluded from core dumps (MADV_DONTDUMP) and wiped with
 * explicit_bzero when cleared or freed.
 *
 * The type is opaque and has no formatting helper: the only way to get at
 * the bytes is pn_secret_expose(), whose result goes to PAM or to a pipe and
 * nowhere else (tests/lint-secrets.sh checks where it is called).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * polkit's helper reads an answer with fgets() into 512 bytes and then drops
 * the newline polkit appends: 511 bytes would leave that newline unread, for
 * the next question. So at most 510.
 */
#define PN_SECRET_MAX_PASSWORD 510

struct pn_secret;

/* cap: the most bytes it will hold (a NUL is always kept after them). */
struct pn_secret *pn_secret_new(size_t cap);
void pn_secret_free(struct pn_secret *secret);
/*
 * Secrets are wiped in a forked child (MADV_WIPEONFORK). This one is not:
 * for a value the child hands to execve (an environment entry), right
 * after fork.
 */
void pn_secret_keep_on_fork(struct pn_secret *secret);
void pn_secret_clear(struct pn_secret *secret);

size_t pn_secret_len(const struct pn_secret *secret);
/* -EMSGSIZE when it would exceed cap (the secret is then cleared). */
int pn_secret_append(struct pn_secret *secret, const void *bytes, size_t len);
/* Removes the last character (for Backspace); false when empty. */
bool pn_secret_pop_char(struct pn_secret *secret);
/* Removes one trailing "\n" (a program's line end); false when there is none. */
bool pn_secret_chomp(struct pn_secret *secret);
/*
 * Reads from fd until EOF (non-blocking fds: until EAGAIN, returning
 * -EAGAIN). -EMSGSIZE when more than cap bytes arrive: the secret is cleared
 * and the rest is drained and discarded.
 */
ssize_t pn_secret_read_fd(struct pn_secret *secret, int fd);
/*
 * One read() of at most max bytes from fd, appended: for one packet of a
 * SOCK_SEQPACKET socket, or a length the sender announced. The number of
 * bytes read, 0 at end of file, or a negative errno; -EMSGSIZE (nothing
 * read) when max is more than the room left.
 */
ssize_t pn_secret_read_some(struct pn_secret *secret, int fd, size_t max);
/* Writes all of it to fd; 0 or a negative errno. */
int pn_secret_write_fd(const struct pn_secret *secret, int fd);

/* Acceptable as a polkit answer: no newline, no NUL, at most 510 bytes. */
bool pn_secret_is_valid_password(const struct pn_secret *secret);
bool pn_secret_equal(const struct pn_secret *a, const struct pn_secret *b);

/* The NUL-terminated bytes, for handing to PAM. Never log them. */
const char *pn_secret_expose(const struct pn_secret *secret);

/*
 * Opens a file that holds a secret (a token), following symlinks: it must be
 * a regular file owned by us or root that group and others cannot access.
 * The fd (O_CLOEXEC, O_NONBLOCK), or a negative errno with the reason in why
 * ("group or others have access (mode 0640, expected 0600 or 0400)").
 */
int pn_secret_file_open(const char *path, char *why, size_t whylen);

/* prctl(PR_SET_DUMPABLE, 0) and RLIMIT_CORE 0: no core dump, no ptrace. */
int pn_harden_process(void);

#endif
