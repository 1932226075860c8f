/*
 * Feeds the input, split into lines, to the Niri event parser, all on one
 * state, the way the client applies an event stream.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "panther/niri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pn_niri_state state;
	pn_niri_state_init(&state);
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		unsigned changed;
		char err[256];
		if (pn_niri_state_apply(&state, p, len, &changed, err, sizeof(err)) == 0) {
			/* The lookups must agree with what the state holds. */
			const struct pn_niri_window *w = pn_niri_state_focused(&state);
			if (w && (!state.has_focus || w->id != state.focused_id))
				__builtin_trap();
			for (size_t i = 0; i < state.n_windows; i++) {
				if (!pn_niri_state_window(&state, state.windows[i].id))
					__builtin_trap();
			}
		} else if (changed != 0 || !memchr(err, '\0', sizeof(err))) {
			__builtin_trap();
		}
		p += len + 1;
	}
	pn_niri_state_finish(&state);
	return 0;
}
