#include "plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "panther/util.h"

static int find(const struct pn_service_config *services, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(services[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

int plan_start_order(const struct pn_service_config *services, size_t n, size_t *order)
{
	bool *placed = pn_xcalloc(n ? n : 1, sizeof(*placed));
	int r = 0;
	for (size_t k = 0; k < n; k++) {
		/* The first service in file order whose dependencies are all placed. */
		size_t pick = n;
		for (size_t i = 0; i < n && pick == n; i++) {
			if (placed[i])
				continue;
			bool ready = true;
			for (char **a = services[i].after; a && *a && ready; a++) {
				int j = find(services, n, *a);
				if (j < 0) {
					r = -ENOENT;
					goto out;
				}
				ready = placed[j];
			}
			if (ready)
				pick = i;
		}
		if (pick == n) {
			r = -ELOOP;
			goto out;
		}
		placed[pick] = true;
		order[k] = pick;
	}
out:
	free(placed);
	return r;
}

uint64_t plan_backoff_ms(unsigned failures)
{
	uint64_t delay = PLAN_BACKOFF_FIRST_MS;
	for (unsigned i = 0; i < failures && delay < PLAN_BACKOFF_MAX_MS; i++)
		delay *= 2;
	return delay < PLAN_BACKOFF_MAX_MS ? delay : PLAN_BACKOFF_MAX_MS;
}

bool plan_should_restart(enum pn_restart policy, int wstatus)
{
	bool failed = !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0;
	switch (policy) {
	case PN_RESTART_ALWAYS:
		return true;
	case PN_RESTART_ON_FAILURE:
		return failed;
	case PN_RESTART_NEVER:
		break;
	}
	return false;
}

bool plan_exits_add(struct plan_exits *exits, uint64_t now_ms)
{
	if (exits->n == PLAN_CRASH_LOOP_EXITS) {
		memmove(exits->at_ms, exits->at_ms + 1, (exits->n - 1) * sizeof(exits->at_ms[0]));
		exits->n--;
	}
	exits->at_ms[exits->n++] = now_ms;
	return exits->n == PLAN_CRASH_LOOP_EXITS &&
		now_ms - exits->at_ms[0] <= PLAN_CRASH_LOOP_WINDOW_MS;
}

void plan_exits_clear(struct plan_exits *exits)
{
	exits->n = 0;
}

static bool strv_equal(char *const *a, char *const *b)
{
	size_t n = pn_strv_len(a);
	if (n != pn_strv_len(b))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(a[i], b[i]) != 0)
			return false;
	}
	return true;
}

/* env is a set: the order of the keys in the file does not matter. */
static bool env_equal(char *const *a, char *const *b)
{
	if (pn_strv_len(a) != pn_strv_len(b))
		return false;
	for (size_t i = 0; a && a[i]; i++) {
		if (!pn_strv_contains(b, a[i]))
			return false;
	}
	return true;
}

static bool str_equal(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

enum plan_change plan_compare(const struct pn_service_config *old,
	const struct pn_service_config *new)
{
	if (!strv_equal(old->argv, new->argv) || !env_equal(old->env, new->env) ||
		!str_equal(old->ready_dbus_name, new->ready_dbus_name))
		return PLAN_CHANGED;
	if (old->restart != new->restart || !env_equal(old->after, new->after))
		return PLAN_UPDATED;
	return PLAN_SAME;
}

void plan_service_copy(struct pn_service_config *dst, const struct pn_service_config *src)
{
	*dst = (struct pn_service_config){
		.name = pn_xstrdup(src->name),
		.argv = pn_strv_dup(src->argv),
		.restart = src->restart,
		.after = pn_strv_dup(src->after),
		.env = pn_strv_dup(src->env),
		.ready_dbus_name = src->ready_dbus_name ? pn_xstrdup(src->ready_dbus_name) : NULL,
	};
}

void plan_service_free(struct pn_service_config *service)
{
	free(service->name);
	pn_strv_free(service->argv);
	pn_strv_free(service->after);
	pn_strv_free(service->env);
	free(service->ready_dbus_name);
	*service = (struct pn_service_config){0};
}
