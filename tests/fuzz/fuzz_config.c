#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "panther/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pn_config cfg;
	char err[512];
	int r = pn_config_parse(&cfg, "fuzz.json", (const char *)data, size, err, sizeof(err));
	/* Whatever the input, an error is one line. */
	if (r < 0 && (err[0] == '\0' || strchr(err, '\n')))
		abort();
	pn_config_finish(&cfg);
	return 0;
}
