#include <inttypes.h>

#include "state.h"
#include "panther/log.h"

/*
 * The press that counts. On niri every program of the user may use the
 * virtual keyboard and pointer, so no check here can tell a person's Enter
 * from a program's. What the card can refuse is a press that was already on
 * its way: Enter or a click on Authenticate confirms 1Password's answer only
 * when it went down PRESS_ARM_MS after the latest of the card's first frame,
 * keyboard focus and the fill. An Enter meant for another window, or one a
 * program sends the moment the card appears, does not confirm; until then
 * the card shows that it is arming (render.c greys the button).
 */

static void on_armed(void *data)
{
	struct state *state = data;
	state->armed = true;
	if (!keyboard_shows_fill(state) || !state->shown)
		return;
	pn_debug("the card takes a press");
	protocol_send_armed(state);
	state_redraw(state);
}

int press_init(struct state *state)
{
	state->arm_timer = pn_loop_add_timer(state->loop, on_armed, state);
	return state->arm_timer ? 0 : -1;
}

void press_finish(struct state *state)
{
	pn_timer_remove(state->arm_timer);
	state->arm_timer = NULL;
}

void press_rearm(struct state *state, const char *why)
{
	state->arm_start_ms = pn_now_ms();
	state->armed = false;
	pn_timer_arm(state->arm_timer, PRESS_ARM_MS);
	pn_debug("arming the card (%s)", why);
}

bool press_arming(const struct state *state)
{
	return keyboard_shows_fill(state) && !state->armed;
}

bool press_counts(struct state *state, uint64_t down_ms, const char *what)
{
	uint64_t ready = state->arm_start_ms + PRESS_ARM_MS;
	if (state->arm_start_ms && state->armed && down_ms >= ready)
		return true;
	uint64_t since = down_ms > state->arm_start_ms ? down_ms - state->arm_start_ms : 0;
	pn_info("%s %" PRIu64 " ms after the card changed: ignored (a press counts from %d ms)",
		what, since, PRESS_ARM_MS);
	return false;
}
