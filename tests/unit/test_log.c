#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "panther/log.h"

/* Runs fn with stderr going to a pipe; returns what was written. */
static char *capture(void (*fn)(void))
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	int saved = dup(STDERR_FILENO);
	dup2(p[1], STDERR_FILENO);
	close(p[1]);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	static char buf[16384];
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void log_levels(void)
{
	pn_log_init("panther-test", PN_LOG_INFO);
	pn_err("bad thing %d", 1);
	pn_warn("careful");
	pn_info("hello %s", "world");
	pn_debug("not shown");
}

static void test_levels_and_prefix(void **state)
{
	unsetenv("JOURNAL_STREAM");
	char *out = capture(log_levels);
	assert_string_equal(out,
		"panther-test: error: bad thing 1\n"
		"panther-test: warning: careful\n"
		"panther-test: hello world\n");
}

static void log_verbose(void)
{
	pn_log_init("panther-test", PN_LOG_DEBUG);
	pn_debug("details");
}

static void test_verbose_shows_debug(void **state)
{
	unsetenv("JOURNAL_STREAM");
	assert_string_equal(capture(log_verbose), "panther-test: debug: details\n");
}

static void log_forged(void)
{
	pn_log_init("panther-test", PN_LOG_INFO);
	pn_info("window title: %s", "evil\npanther-test: error: fake\x1b[31m");
}

static void test_untrusted_text_cannot_forge_lines(void **state)
{
	unsetenv("JOURNAL_STREAM");
	char *out = capture(log_forged);
	assert_string_equal(out,
		"panther-test: window title: evil\\npanther-test: error: fake?[31m\n");
}

static void log_hidden(void)
{
	pn_log_init("panther-test", PN_LOG_INFO);
	pn_info("program: %s",
		"tool a\xe2\x80\xa8panther-test: error: fake \xe2\x80\xaetxt.exe\xc2\x85"
		"caf\xc3\xa9");
}

/* A line separator or a bidi override does not start or reorder a line in the journal. */
static void test_hidden_characters_escaped(void **state)
{
	unsetenv("JOURNAL_STREAM");
	char *out = capture(log_hidden);
	assert_string_equal(out,
		"panther-test: program: tool a<U+2028>panther-test: error: fake "
		"<U+202E>txt.exe<U+0085>caf\xc3\xa9\n");
}

static void log_journal(void)
{
	/* JOURNAL_STREAM must name the stream stderr is on. */
	struct stat st;
	fstat(STDERR_FILENO, &st);
	char value[64];
	snprintf(value, sizeof(value), "%llu:%llu", (unsigned long long)st.st_dev,
		(unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", value, 1);
	pn_log_init("panther-test", PN_LOG_INFO);
	pn_err("to the journal");
	pn_info("info line");
	setenv("JOURNAL_STREAM", "1:2", 1);
	pn_log_init("panther-test", PN_LOG_INFO);
	pn_info("not the journal");
}

static void test_journal_priority_prefix(void **state)
{
	char *out = capture(log_journal);
	assert_string_equal(out,
		"<3>to the journal\n<6>info line\npanther-test: not the journal\n");
	unsetenv("JOURNAL_STREAM");
}

static void log_long(void)
{
	pn_log_init("p", PN_LOG_INFO);
	char big[10000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pn_info("%s", big);
}

static void test_long_line_is_one_line(void **state)
{
	unsetenv("JOURNAL_STREAM");
	char *out = capture(log_long);
	size_t len = strlen(out);
	assert_true(len > 4000 && len < 5000);
	assert_ptr_equal(strchr(out, '\n'), out + len - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_and_prefix),
		cmocka_unit_test(test_verbose_shows_debug),
		cmocka_unit_test(test_untrusted_text_cannot_forge_lines),
		cmocka_unit_test(test_hidden_characters_escaped),
		cmocka_unit_test(test_journal_priority_prefix),
		cmocka_unit_test(test_long_line_is_one_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
