#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "panther/util.h"

static void check_sanitize(const char *in, size_t max, const char *want)
{
	char *out = pn_sanitize_text(in, max);
	assert_string_equal(out, want);
	free(out);
}

static void test_sanitize_text(void **state)
{
	check_sanitize("plain text", 100, "plain text");
	check_sanitize("line\nbreak\ttab\x1b[0m", 100, "line?break?tab?[0m");
	/* Invalid UTF-8, overlong forms and surrogates become U+FFFD. */
	check_sanitize("a\xff" "b", 100, "a\xef\xbf\xbd" "b");
	check_sanitize("\xc0\xaf", 100, "\xef\xbf\xbd\xef\xbf\xbd");
	check_sanitize("\xed\xa0\x80", 100, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	check_sanitize("caf\xc3\xa9", 100, "caf\xc3\xa9");
	/* Cut at a character boundary, marked with an ellipsis. */
	check_sanitize("abcdef", 3, "abc\xe2\x80\xa6");
	check_sanitize("\xc3\xa9\xc3\xa9", 3, "\xc3\xa9\xe2\x80\xa6");
	check_sanitize(NULL, 10, "");
}

static void test_strv(void **state)
{
	char **v = NULL;
	assert_int_equal(pn_strv_len(v), 0);
	assert_true(pn_strv_push(&v, "a"));
	assert_true(pn_strv_push(&v, "b"));
	assert_int_equal(pn_strv_len(v), 2);
	assert_true(pn_strv_contains(v, "b"));
	assert_false(pn_strv_contains(v, "c"));
	char **copy = pn_strv_dup(v);
	assert_string_equal(copy[1], "b");
	assert_null(copy[2]);
	pn_strv_free(v);
	pn_strv_free(copy);
}

/* XDG base directories: an absolute $VAR wins; a relative one is ignored. */
static void test_xdg_path(void **state)
{
	char buf[64];
	setenv("HOME", "/home/alice", 1);
	setenv("XDG_CACHE_HOME", "/var/cache/alice", 1);
	assert_true(pn_xdg_path(buf, sizeof(buf), "XDG_CACHE_HOME", ".cache", "dms/c.json"));
	assert_string_equal(buf, "/var/cache/alice/dms/c.json");
	setenv("XDG_CACHE_HOME", "relative", 1);
	assert_true(pn_xdg_path(buf, sizeof(buf), "XDG_CACHE_HOME", ".cache", "dms/c.json"));
	assert_string_equal(buf, "/home/alice/.cache/dms/c.json");
	unsetenv("XDG_CACHE_HOME");
	assert_false(pn_xdg_path(buf, 16, "XDG_CACHE_HOME", ".cache", "dms/c.json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize_text),
		cmocka_unit_test(test_strv),
		cmocka_unit_test(test_xdg_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
