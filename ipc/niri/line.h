#ifndef PN_NIRI_LINE_H
#define PN_NIRI_LINE_H

/* Private to ipc/niri/: what state.c and client.c share. */

#include <json-c/json.h>
#include <stddef.h>

/* Parses one line of JSON; NULL with err set when it is not exactly one value. */
json_object *niri_parse_line(const char *line, size_t len, const char *what, char *err,
	size_t errlen);

#endif
