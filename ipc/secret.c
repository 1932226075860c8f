#include "panther/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "panther/log.h"

/*
 * The struct and its bytes share one private mapping: locked so it is never
 * swapped, left out of core dumps, and wiped before it is unmapped.
 */
struct pn_secret {
	size_t map_len;
	size_t cap;
	size_t len;
	char bytes[];
};

/* Process-wide, like the limit it reports on: the first failure is logged, no more. */
static bool mlock_failed;

static void warn_mlock_once(int err)
{
	if (mlock_failed)
		return;
	mlock_failed = true;
	pn_warn("cannot lock secrets in memory (they could be swapped out): mlock: %s (raise RLIMIT_MEMLOCK, LimitMEMLOCK= in a systemd unit)",
		strerror(err));
}

struct pn_secret *pn_secret_new(size_t cap)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t need = sizeof(struct pn_secret) + cap + 1;
	if (need < cap)
		return NULL;
	size_t map_len = (need + page - 1) / page * page;
	void *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	/*
	 * Without CAP_IPC_LOCK a low RLIMIT_MEMLOCK may refuse; the rest still
	 * holds. The raw syscall, because sanitizer runtimes turn mlock() into a
	 * no-op and the tests check the lock under them too.
	 */
	if (syscall(SYS_mlock, map, map_len) < 0)
		warn_mlock_once(errno);
	(void)madvise(map, map_len, MADV_DONTDUMP);
	(void)madvise(map, map_len, MADV_WIPEONFORK);
	struct pn_secret *secret = map;
	secret->map_len = map_len;
	secret->cap = cap;
	secret->len = 0;
	secret->bytes[0] = '\0';
	return secret;
}

void pn_secret_keep_on_fork(struct pn_secret *secret)
{
	(void)madvise(secret, secret->map_len, MADV_KEEPONFORK);
}

int pn_secret_file_open(const char *path, char *why, size_t whylen)
{
	/* O_NONBLOCK: a FIFO must not hang us; it is refused below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int r = -errno;
		snprintf(why, whylen, "cannot open: %s", strerror(-r));
		return r;
	}
	struct stat st;
	int r = 0;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		snprintf(why, whylen, "cannot open: %s", strerror(-r));
	} else if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		snprintf(why, whylen, "not a regular file");
	} else if (st.st_uid != getuid() && st.st_uid != 0) {
		r = -EPERM;
		snprintf(why, whylen, "owned by uid %u (expected uid %u or root)",
			(unsigned)st.st_uid, (unsigned)getuid());
	} else if (st.st_mode & 077) {
		r = -EPERM;
		snprintf(why, whylen,
			"group or others have access (mode %04o, expected 0600 or 0400)",
			(unsigned)(st.st_mode & 07777));
	}
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

void pn_secret_clear(struct pn_secret *secret)
{
	if (!secret)
		return;
	explicit_bzero(secret->bytes, secret->cap + 1);
	secret->len = 0;
}

void pn_secret_free(struct pn_secret *secret)
{
	if (!secret)
		return;
	size_t map_len = secret->map_len;
	explicit_bzero(secret, map_len);
	(void)syscall(SYS_munlock, secret, map_len);
	munmap(secret, map_len);
}

size_t pn_secret_len(const struct pn_secret *secret)
{
	return secret->len;
}

int pn_secret_append(struct pn_secret *secret, const void *bytes, size_t len)
{
	if (len > secret->cap - secret->len) {
		pn_secret_clear(secret);
		return -EMSGSIZE;
	}
	memcpy(secret->bytes + secret->len, bytes, len);
	secret->len += len;
	secret->bytes[secret->len] = '\0';
	return 0;
}

bool pn_secret_pop_char(struct pn_secret *secret)
{
	if (secret->len == 0)
		return false;
	/* Step back over UTF-8 continuation bytes to the start of the character. */
	size_t i = secret->len - 1;
	while (i > 0 && ((unsigned char)secret->bytes[i] & 0xc0) == 0x80)
		i--;
	explicit_bzero(secret->bytes + i, secret->len - i);
	secret->len = i;
	return true;
}

bool pn_secret_chomp(struct pn_secret *secret)
{
	if (secret->len == 0 || secret->bytes[secret->len - 1] != '\n')
		return false;
	secret->bytes[--secret->len] = '\0';
	return true;
}

ssize_t pn_secret_read_fd(struct pn_secret *secret, int fd)
{
	bool overflow = false;
	for (;;) {
		ssize_t n;
		if (!overflow && secret->len < secret->cap) {
			n = read(fd, secret->bytes + secret->len, secret->cap - secret->len);
			if (n > 0) {
				secret->len += (size_t)n;
				secret->bytes[secret->len] = '\0';
				continue;
			}
		} else {
			/* Full: anything more means too much. Drain it into a wiped scratch buffer.
			 */
			char scratch[512];
			n = read(fd, scratch, sizeof(scratch));
			explicit_bzero(scratch, sizeof(scratch));
			if (n > 0) {
				if (!overflow)
					pn_secret_clear(secret);
				overflow = true;
				continue;
			}
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return overflow ? -EMSGSIZE : -EAGAIN;
		int err = -errno;
		pn_secret_clear(secret);
		return err;
	}
	return overflow ? -EMSGSIZE : (ssize_t)secret->len;
}

ssize_t pn_secret_read_some(struct pn_secret *secret, int fd, size_t max)
{
	if (max > secret->cap - secret->len)
		return -EMSGSIZE;
	ssize_t n;
	do {
		n = read(fd, secret->bytes + secret->len, max);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	secret->len += (size_t)n;
	secret->bytes[secret->len] = '\0';
	return n;
}

int pn_secret_write_fd(const struct pn_secret *secret, int fd)
{
	size_t done = 0;
	while (done < secret->len) {
		ssize_t n = write(fd, secret->bytes + done, secret->len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

bool pn_secret_is_valid_password(const struct pn_secret *secret)
{
	if (secret->len > PN_SECRET_MAX_PASSWORD)
		return false;
	return memchr(secret->bytes, '\n', secret->len) == NULL &&
		memchr(secret->bytes, '\0', secret->len) == NULL;
}

bool pn_secret_equal(const struct pn_secret *a, const struct pn_secret *b)
{
	if (a->len != b->len)
		return false;
	unsigned char diff = 0;
	for (size_t i = 0; i < a->len; i++)
		diff |= (unsigned char)(a->bytes[i] ^ b->bytes[i]);
	return diff == 0;
}

const char *pn_secret_expose(const struct pn_secret *secret)
{
	return secret->bytes;
}

int pn_harden_process(void)
{
	struct rlimit none = {0, 0};
	if (setrlimit(RLIMIT_CORE, &none) < 0)
		return -errno;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	return 0;
}
