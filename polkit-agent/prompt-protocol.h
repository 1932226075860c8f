#ifndef PANTHER_POLKIT_AGENT_PROMPT_PROTOCOL_H
#define PANTHER_POLKIT_AGENT_PROMPT_PROTOCOL_H

/*
 * What panther-polkit-agent and panther-polkit-prompt say to each other over
 * a SOCK_SEQPACKET socket pair (fd 3 in the prompt). Every packet is one line,
 * "KEY" or "KEY VALUE", ending in "\n"; in VALUE a backslash is "\\" and a
 * line break "\n", so a value never spans lines. The one exception is the
 * password: "answer N" is followed by one packet of exactly N raw bytes (none
 * when N is 0), read straight into a struct pn_secret. doc/design.md lists
 * the keys.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct pn_secret;

/*
 * 1Password's part in the question (key "fill", and PANTHER_PROMPT_FILL for
 * a prompt command): the agent holds its answer (in locked memory); the
 * card only learns that the field is filled, and answers "confirm" when the
 * person confirms it without typing.
 */
enum prompt_fill {
	PROMPT_FILL_NONE, /* "none": 1Password is not asked for this request */
	PROMPT_FILL_PENDING, /* "pending": 1Password is being asked (or waits for its turn) */
	PROMPT_FILL_READY, /* "filled": confirm, or type over it */
	PROMPT_FILL_FAILED, /* "failed": it could not; the error says why */
};

/* The fill's word in the protocol; "none" for a value out of range. */
const char *prompt_fill_name(enum prompt_fill fill);
/* false for a word that names no fill. */
bool prompt_fill_from_name(const char *name, enum prompt_fill *fill);

/* The longest packet either side sends; longer values are cut (UTF-8 safe). */
#define PP_PACKET_MAX 4096

struct prompt_wire_message {
	const char *key;
	const char *value; /* "" when the line has none */
};

/* Sends "KEY VALUE\n" (or "KEY\n" for a NULL value). 0 or a negative errno. */
int prompt_wire_send(int fd, const char *key, const char *value);
int prompt_wire_send_uint(int fd, const char *key, unsigned long value);
/* "answer N" and the N bytes. 0 or a negative errno. */
int prompt_wire_send_answer(int fd, const struct pn_secret *answer);

/*
 * Receives one packet into buf (size at least PP_PACKET_MAX + 1) and parses
 * it in place. 1 with *msg filled, 0 at end of file, -EAGAIN when nothing is
 * waiting, -EBADMSG for a packet that is not a protocol line (buf is then
 * wiped: it may have been a password), or another negative errno.
 */
int prompt_wire_recv(int fd, char *buf, size_t size, struct prompt_wire_message *msg);
/* Parses a received line in place (buf[len] is written). false when malformed. */
bool prompt_wire_parse(char *buf, size_t len, struct prompt_wire_message *msg);

/*
 * Who sent a packet. SO_PEERCRED on a socket pair names the process that
 * made the pair (the agent), not the one holding the other end; with
 * SO_PASSCRED the kernel stamps every packet with its sender's pid instead.
 * prompt_wire_pass_senders turns that on for fd (0 or a negative errno);
 * prompt_wire_next_sender looks at the next packet without taking it: 1 with
 * *sender set (0 when unknown), 0 at end of file, or a negative errno
 * (-EAGAIN: none waiting). prompt_wire_drop takes the next packet and wipes it.
 */
int prompt_wire_pass_senders(int fd);
int prompt_wire_next_sender(int fd, pid_t *sender);
void prompt_wire_drop(int fd);

/* A decimal value in [0, max]: false for anything else. */
bool prompt_wire_parse_uint(const char *value, unsigned long max, unsigned long *out);

#endif
