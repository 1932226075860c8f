/*
 * Shared by the polkit agent's unit tests (test_polkit_agent.c,
 * test_agent_parts.c, test_request_sources.c, test_op_askers.c): one fresh
 * folder per test program, made by the group setup and removed with all it
 * holds by the group teardown, and the chores the tests do in it.
 */
#ifndef PANTHER_TEST_AGENT_FIXTURE_H
#define PANTHER_TEST_AGENT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "panther/loop.h"
#include "panther/secret.h"

/* The folder: a mkdtemp template until agent_fixture_setup has run. */
extern char tmpdir[];

/* cmocka group setup and teardown: make tmpdir, then rm -rf it. */
int agent_fixture_setup(void **state);
int agent_fixture_teardown(void **state);

void write_file(const char *path, const char *text, size_t len, mode_t mode);
/* A shell script in tmpdir; returns its path (static buffer). */
const char *script(const char *body);
/* The file's text (up to 64 KiB), to free; NULL if it cannot be opened. */
char *read_text(const char *path);
bool secret_is(const struct pn_secret *secret, const char *text);
/* Runs the loop until the script wrote its pid into tmpdir/name. */
pid_t wait_for_pid_file(struct pn_loop *loop, const char *name);
/* Runs the loop until pid is gone: killed and reaped, not a zombie. */
void assert_reaped(struct pn_loop *loop, pid_t pid);

#endif
