/*
 * Numbers too large to hold. json-c decides this differently by version:
 * 0.16 clamps a whole number beyond 64 bits to INT64_MIN/INT64_MAX (or keeps
 * it as uint64), 0.19 refuses the document ("number expected"). The parser
 * decides instead, before json-c's reading matters, so the verdict and its
 * line are the same with every json-c.
 */

#include "parser.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Whether the number literal text[0..len) fits a C int64_t (whole) or double. */
static bool number_fits(const char *text, size_t len)
{
	char buf[512];
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	errno = 0;
	if (strcspn(buf, ".eE") == len) {
		(void)strtoll(buf, NULL, 10);
		return errno != ERANGE;
	}
	double d = strtod(buf, NULL);
	return errno != ERANGE && isfinite(d);
}

size_t find_huge_number(const char *text, size_t len, size_t *number_len)
{
	bool in_string = false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
			continue;
		}
		if (c != '-' && (c < '0' || c > '9'))
			continue;
		size_t end = i + 1;
		while (end < len && text[end] && strchr("0123456789.eE+-", text[end]))
			end++;
		if (!number_fits(text + i, end - i)) {
			*number_len = end - i;
			return i;
		}
		i = end - 1;
	}
	return len;
}
