/*
 * The protocol between the agent and panther-polkit-prompt: lines survive
 * any text (escapes, cuts that keep UTF-8 whole), malformed packets are
 * refused, and the password goes from one pn_secret to another unchanged.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "prompt-protocol.h"
#include "panther/secret.h"

struct pair {
	int agent, prompt;
};

static int setup(void **state)
{
	static struct pair p;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	p = (struct pair){sv[0], sv[1]};
	*state = &p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;
	close(p->agent);
	close(p->prompt);
	return 0;
}

static void test_round_trip(void **state)
{
	struct pair *p = *state;
	char buf[PP_PACKET_MAX + 1];
	struct prompt_wire_message msg;
	const char *text = "line one\nline \\two\\n <b>not markup</b> \xc3\xa9";
	assert_int_equal(prompt_wire_send(p->agent, "info", text), 0);
	assert_int_equal(prompt_wire_send(p->agent, "show", NULL), 0);
	assert_int_equal(prompt_wire_send(p->agent, "error", ""), 0);
	assert_int_equal(prompt_wire_send_uint(p->agent, "ask", 4294967295UL), 0);

	assert_int_equal(prompt_wire_recv(p->prompt, buf, sizeof(buf), &msg), 1);
	assert_string_equal(msg.key, "info");
	assert_string_equal(msg.value, text);
	assert_int_equal(prompt_wire_recv(p->prompt, buf, sizeof(buf), &msg), 1);
	assert_string_equal(msg.key, "show");
	assert_string_equal(msg.value, "");
	assert_int_equal(prompt_wire_recv(p->prompt, buf, sizeof(buf), &msg), 1);
	assert_string_equal(msg.key, "error");
	assert_string_equal(msg.value, "");
	assert_int_equal(prompt_wire_recv(p->prompt, buf, sizeof(buf), &msg), 1);
	unsigned long n;
	assert_true(prompt_wire_parse_uint(msg.value, 4294967295UL, &n));
	assert_int_equal(n, 4294967295UL);
	assert_int_equal(prompt_wire_recv(p->prompt, buf, sizeof(buf), &msg), -EAGAIN);
}

static void test_long_value_is_cut_on_a_character(void **state)
{
	struct pair *p = *state;
	/* 3000 two-byte characters: too long for a packet. */
	char text[6001];
	for (size_t i = 0; i < 6000; i += 2) {
		text[i] = (char)0xc3;
		text[i + 1] = (char)0xa9;
	}
	text[6000] = '\0';
	for (size_t shift = 0; shift < 4; shift++) {
		char key[8] = "info";
		memset(key + 4, 'x', shift);
		key[4 + shift] = '\0';
		assert_int_equal(prompt_wire_send(p->agent, key, text), 0);
		char buf[PP_PACKET_MAX + 1];
		struct prompt_wire_message msg;
		assert_int_equal(prompt_wire_recv(p->prompt, buf, sizeof(buf), &msg), 1);
		size_t len = strlen(msg.value);
		assert_true(len > 4000 && len < PP_PACKET_MAX);
		assert_int_equal(len % 2, 0);
		assert_memory_equal(msg.value, text, len);
	}
}

static void test_malformed(void **state)
{
	struct pair *p = *state;
	const char *bad[] = {
		"no line end",
		"Upper case\n",
		" leading space\n",
		"\n",
		"bad \\x escape\n",
		"trailing \\\n",
		"two\nlines\n",
	};
	char buf[PP_PACKET_MAX + 1];
	struct prompt_wire_message msg;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(send(p->agent, bad[i], strlen(bad[i]), 0),
			(ssize_t)strlen(bad[i]));
		assert_int_equal(prompt_wire_recv(p->prompt, buf, sizeof(buf), &msg), -EBADMSG);
	}
	assert_int_equal(send(p->agent, "nul\0byte\n", 9, 0), 9);
	assert_int_equal(prompt_wire_recv(p->prompt, buf, sizeof(buf), &msg), -EBADMSG);
	/* Longer than a packet may be. */
	static char big[PP_PACKET_MAX + 100];
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	assert_int_equal(send(p->agent, big, sizeof(big), 0), (ssize_t)sizeof(big));
	assert_int_equal(prompt_wire_recv(p->prompt, buf, sizeof(buf), &msg), -EBADMSG);

	/* A password sent out of turn, as raw bytes, leaves nothing in the buffer. */
	static const char *const stray[] = {"hunter2", "hunter2 with \\q\n"};
	for (size_t i = 0; i < 2; i++) {
		memset(buf, 0, sizeof(buf));
		assert_int_equal(send(p->agent, stray[i], strlen(stray[i]), 0),
			(ssize_t)strlen(stray[i]));
		assert_int_equal(prompt_wire_recv(p->prompt, buf, sizeof(buf), &msg), -EBADMSG);
		for (size_t j = 0; j < sizeof(buf); j++)
			assert_int_equal(buf[j], 0);
	}

	unsigned long n;
	assert_false(prompt_wire_parse_uint("", 10, &n));
	assert_false(prompt_wire_parse_uint("-1", 10, &n));
	assert_false(prompt_wire_parse_uint("11", 10, &n));
	assert_false(prompt_wire_parse_uint("1x", 10, &n));
	assert_false(prompt_wire_parse_uint("99999999999", ~0UL, &n));
}

static void test_answer(void **state)
{
	struct pair *p = *state;
	struct pn_secret *typed = pn_secret_new(PN_SECRET_MAX_PASSWORD);
	struct pn_secret *got = pn_secret_new(PN_SECRET_MAX_PASSWORD + 1);
	pn_secret_append(typed, "hunter2 \xc3\xa9", 10);
	assert_int_equal(prompt_wire_send_answer(p->prompt, typed), 0);
	/* Followed by something else, which must stay a line of its own. */
	assert_int_equal(prompt_wire_send(p->prompt, "cancel", NULL), 0);

	char buf[PP_PACKET_MAX + 1];
	struct prompt_wire_message msg;
	assert_int_equal(prompt_wire_recv(p->agent, buf, sizeof(buf), &msg), 1);
	assert_string_equal(msg.key, "answer");
	assert_string_equal(msg.value, "10");
	/* One packet: asking for one byte more than announced still gets the 10. */
	assert_int_equal(pn_secret_read_some(got, p->agent, 11), 10);
	assert_true(pn_secret_equal(typed, got));
	assert_int_equal(prompt_wire_recv(p->agent, buf, sizeof(buf), &msg), 1);
	assert_string_equal(msg.key, "cancel");

	/* Empty: no bytes follow. */
	pn_secret_clear(typed);
	assert_int_equal(prompt_wire_send_answer(p->prompt, typed), 0);
	assert_int_equal(prompt_wire_recv(p->agent, buf, sizeof(buf), &msg), 1);
	assert_string_equal(msg.value, "0");
	assert_int_equal(prompt_wire_recv(p->agent, buf, sizeof(buf), &msg), -EAGAIN);

	/* No room: refused before reading anything. */
	pn_secret_clear(got);
	pn_secret_append(got, "x", 1);
	assert_int_equal(pn_secret_read_some(got, p->agent, PN_SECRET_MAX_PASSWORD + 1), -EMSGSIZE);
	assert_int_equal(pn_secret_len(got), 1);
	pn_secret_free(typed);
	pn_secret_free(got);
}

static void test_end_of_file(void **state)
{
	struct pair *p = *state;
	close(p->agent);
	p->agent = -1;
	char buf[PP_PACKET_MAX + 1];
	struct prompt_wire_message msg;
	assert_int_equal(prompt_wire_recv(p->prompt, buf, sizeof(buf), &msg), 0);
	assert_int_equal(prompt_wire_send(p->prompt, "cancel", NULL), -EPIPE);
}

/* The card reads the word the agent (and a prompt command's environment) gets. */
static void test_fill_words(void **state)
{
	static const char *const words[] = {"none", "pending", "filled", "failed"};
	for (int i = PROMPT_FILL_NONE; i <= PROMPT_FILL_FAILED; i++) {
		enum prompt_fill fill = PROMPT_FILL_NONE;
		assert_string_equal(prompt_fill_name((enum prompt_fill)i), words[i]);
		assert_true(prompt_fill_from_name(words[i], &fill));
		assert_int_equal(fill, i);
	}
	enum prompt_fill fill = PROMPT_FILL_PENDING;
	assert_false(prompt_fill_from_name("ready", &fill));
	assert_int_equal(fill, PROMPT_FILL_PENDING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_value_is_cut_on_a_character, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_of_file, setup, teardown),
		cmocka_unit_test(test_fill_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
