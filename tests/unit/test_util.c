#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	check_sanitize("a\xff"
		       "b",
		100,
		"a\xef\xbf\xbd"
		"b");
	check_sanitize("\xc0\xaf", 100, "\xef\xbf\xbd\xef\xbf\xbd");
	check_sanitize("\xed\xa0\x80", 100, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	check_sanitize("caf\xc3\xa9", 100, "caf\xc3\xa9");
	/* Cut at a character boundary, marked with an ellipsis. */
	check_sanitize("abcdef", 3, "abc\xe2\x80\xa6");
	check_sanitize("\xc3\xa9\xc3\xa9", 3, "\xc3\xa9\xe2\x80\xa6");
	check_sanitize(NULL, 10, "");
}

/* A code point as UTF-8 (static buffer). */
static const char *utf8(unsigned cp)
{
	static char buf[5];
	if (cp < 0x800) {
		buf[0] = (char)(0xc0 | (cp >> 6));
		buf[1] = (char)(0x80 | (cp & 0x3f));
		buf[2] = '\0';
	} else if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | (cp >> 12));
		buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		buf[3] = '\0';
	} else {
		buf[0] = (char)(0xf0 | (cp >> 18));
		buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[3] = (char)(0x80 | (cp & 0x3f));
		buf[4] = '\0';
	}
	return buf;
}

/* "a" CP "b" must come out as "a<U+CP>b". */
static void check_escaped(unsigned cp)
{
	char in[16], want[32];
	snprintf(in, sizeof(in), "a%sb", utf8(cp));
	snprintf(want, sizeof(want), "a<U+%04X>b", cp);
	char *out = pn_sanitize_text(in, 100);
	if (strcmp(out, want) != 0)
		fail_msg("U+%04X: got \"%s\", expected \"%s\"", cp, out, want);
	free(out);
}

/* Characters that break a line, reorder it or hide in it are shown as escapes. */
static void test_sanitize_hidden_characters(void **state)
{
	/* C1 controls, NEL (U+0085) among them. */
	for (unsigned cp = 0x80; cp <= 0x9f; cp++)
		check_escaped(cp);
	check_escaped(0x2028);
	check_escaped(0x2029);
	/* Zero-width and direction marks, embeddings and overrides, isolates, BOM. */
	for (unsigned cp = 0x200b; cp <= 0x200f; cp++)
		check_escaped(cp);
	for (unsigned cp = 0x202a; cp <= 0x202e; cp++)
		check_escaped(cp);
	for (unsigned cp = 0x2066; cp <= 0x2069; cp++)
		check_escaped(cp);
	check_escaped(0xfeff);
	/* Other format characters: soft hyphen, word joiner, Arabic letter mark, tags. */
	check_escaped(0x00ad);
	check_escaped(0x2060);
	check_escaped(0x061c);
	check_escaped(0xe0001);
	check_escaped(0xe007f);
	/* Ordinary text around them stays. */
	check_sanitize("\xc2\xa0\xe2\x80\x90\xe2\x80\xa9\xf0\x9f\x94\x91", 100,
		"\xc2\xa0\xe2\x80\x90<U+2029>\xf0\x9f\x94\x91");
	check_sanitize("\xe2\x80\xaetxt.exe", 100, "<U+202E>txt.exe");
	/* The escape counts against max as a whole. */
	check_sanitize("ab\xe2\x80\xa8", 9, "ab\xe2\x80\xa6");

	char escaped[PN_HIDDEN_CHAR_ESCAPED];
	assert_int_equal(pn_hidden_char_at("\xe2\x80\xa8x", 4, escaped), 3);
	assert_string_equal(escaped, "<U+2028>");
	assert_int_equal(pn_hidden_char_at("\xe2\x80\xa8", 2, escaped), 0);
	assert_int_equal(pn_hidden_char_at("\xc3\xa9", 2, escaped), 0);
	assert_int_equal(pn_hidden_char_at("a", 1, escaped), 0);
}

static void test_strv(void **state)
{
	char **v = NULL;
	assert_int_equal(pn_strv_len(v), 0);
	pn_strv_push(&v, "a");
	pn_strv_push(&v, "b");
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

static void test_append_line(void **state)
{
	char *text = NULL;
	pn_append_line(&text, "first");
	assert_string_equal(text, "first");
	pn_append_line(&text, "second");
	assert_string_equal(text, "first\nsecond");
	free(text);
}

static void test_read_file(void **state)
{
	char dir[] = "/tmp/panther-test-util.XXXXXX", path[64], *text;
	size_t len;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/file", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("0123456789", f);
	fclose(f);

	assert_int_equal(pn_read_file(path, 10, &text, &len), 0);
	assert_int_equal(len, 10);
	assert_string_equal(text, "0123456789");
	free(text);
	/* One byte over is refused, with the size. */
	assert_int_equal(pn_read_file(path, 9, &text, &len), -EFBIG);
	assert_null(text);
	assert_int_equal(len, 10);
	assert_int_equal(pn_read_file(dir, 10, &text, &len), -EISDIR);
	/* A FIFO is refused without waiting for a writer. */
	char fifo[64];
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(pn_read_file(fifo, 10, &text, &len), -EINVAL);
	/* /proc says 0 for its files' size: they are read to the end all the same. */
	assert_int_equal(pn_read_file("/proc/self/cmdline", 65536, &text, &len), 0);
	assert_true(len > 0);
	free(text);
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(pn_read_file(path, 10, &text, &len), -ENOENT);

	unlink(fifo);
	snprintf(path, sizeof(path), "%s/file", dir);
	unlink(path);
	rmdir(dir);
}

static void test_find_program(void **state)
{
	char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	setenv("PATH", "/nonexistent:/bin:/usr/bin", 1);
	char *sh = pn_find_program("sh");
	assert_non_null(sh);
	assert_true(strcmp(sh, "/bin/sh") == 0 || strcmp(sh, "/usr/bin/sh") == 0);
	free(sh);
	assert_null(pn_find_program("panther-no-such-program"));
	/* A directory of that name is not a program. */
	setenv("PATH", "/", 1);
	assert_null(pn_find_program("tmp"));
	/* A name with a slash is taken as it is. */
	char *given = pn_find_program("./x");
	assert_string_equal(given, "./x");
	free(given);
	if (old)
		setenv("PATH", old, 1);
	free(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize_text),
		cmocka_unit_test(test_sanitize_hidden_characters),
		cmocka_unit_test(test_strv),
		cmocka_unit_test(test_xdg_path),
		cmocka_unit_test(test_append_line),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_find_program),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
