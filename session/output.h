#ifndef PANTHER_SESSION_OUTPUT_H
#define PANTHER_SESSION_OUTPUT_H

/*
 * Service output: a pipe whose lines go to our log prefixed with the
 * service's name. A pipe lives until its last writer closes it, which may be
 * after the service ended (a child that left its process group keeps
 * writing), so pipes are kept in a list of their own, not in the service.
 */

#include "panther/loop.h"

/* Longer lines are logged in pieces of this size. */
#define OUTPUT_LINE_MAX 2048

struct output;

/*
 * Opens a pipe logged as name and links it into *list. *write_fd is the end
 * for the service (blocking, close-on-exec). *owner, when given, points at
 * the pipe until it is freed. 0 or a negative errno.
 */
int output_open(struct pn_loop *loop, struct output **list, const char *name, struct output **owner,
	int *write_fd);
/* Logs what has arrived so far (the pipe may be freed, and *owner cleared). */
void output_drain(struct output *out);
/* The owner no longer wants to know about out. */
void output_disown(struct output *out);
/* Logs what is left in every pipe of list and frees them. */
void output_close_all(struct output **list);

#endif
