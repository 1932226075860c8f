#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xkbcommon/xkbcommon.h>

#include "state.h"
#include "panther/log.h"
#include "panther/secret.h"

/*
 * Keys, through the compositor's keymap: text goes into the password, Enter
 * answers (or confirms 1Password's answer when nothing is typed; typing
 * replaces it), Escape cancels, Tab / Shift+Tab / arrows pick the identity.
 * A click on the card's buttons does what Enter or Escape does.
 */

void keyboard_keymap(struct state *state, uint32_t format, int fd, uint32_t size)
{
	if (format != WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1) {
		close(fd);
		pn_warn("the compositor sent a keymap in an unknown format");
		return;
	}
	char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		pn_warn("cannot map the keymap");
		return;
	}
	struct xkb_keymap *keymap = xkb_keymap_new_from_buffer(state->xkb_context, map,
		strnlen(map, size), XKB_KEYMAP_FORMAT_TEXT_V1, XKB_KEYMAP_COMPILE_NO_FLAGS);
	munmap(map, size);
	struct xkb_state *xkb_state = keymap ? xkb_state_new(keymap) : NULL;
	if (!xkb_state) {
		xkb_keymap_unref(keymap);
		pn_warn("cannot compile the compositor's keymap");
		return;
	}
	xkb_state_unref(state->xkb_state);
	xkb_keymap_unref(state->keymap);
	state->keymap = keymap;
	state->xkb_state = xkb_state;
}

static void change_user(struct state *state, int step)
{
	size_t n = state->req.n_users;
	if (n < 2 || (state->phase != PHASE_ASKING && state->phase != PHASE_SWITCHING))
		return;
	size_t user = step > 0 ? (state->req.selected + 1) % n : (state->req.selected + n - 1) % n;
	state->req.selected = user;
	state->phase = PHASE_SWITCHING;
	/* A password typed for one identity is not meant for another. */
	keyboard_clear_input(state);
	protocol_send_user(state, user);
	state_redraw(state);
}

void keyboard_clear_input(struct state *state)
{
	pn_secret_clear(state->password);
	state->typed_chars = 0;
	explicit_bzero(state->echo_text, sizeof(state->echo_text));
	state->echo_len = 0;
	state->too_long = false;
}

static void pop_char(struct state *state)
{
	state->too_long = false;
	if (!state->req.echo) {
		if (pn_secret_pop_char(state->password))
			state->typed_chars--;
		return;
	}
	while (state->echo_len > 0) {
		unsigned char c = (unsigned char)state->echo_text[--state->echo_len];
		state->echo_text[state->echo_len] = '\0';
		if ((c & 0xc0) != 0x80)
			break;
	}
}

static void insert(struct state *state, const char *text, size_t len)
{
	if (state->req.echo) {
		if (state->echo_len + len > PN_SECRET_MAX_PASSWORD) {
			state->too_long = true;
			return;
		}
		memcpy(state->echo_text + state->echo_len, text, len);
		state->echo_len += len;
		state->echo_text[state->echo_len] = '\0';
		return;
	}
	/* Checked first: an append that does not fit would wipe what is there. */
	if (pn_secret_len(state->password) + len > PN_SECRET_MAX_PASSWORD) {
		state->too_long = true;
		return;
	}
	if (pn_secret_append(state->password, text, len) == 0)
		state->typed_chars++;
}

bool keyboard_shows_fill(const struct state *state)
{
	return state->req.fill == PROMPT_FILL_READY && state->typed_chars == 0 &&
		state->echo_len == 0 && state->phase == PHASE_ASKING;
}

/* down_ms: when the key or button that answers went down (press.c). */
static void submit(struct state *state, uint64_t down_ms, const char *what)
{
	bool empty = state->typed_chars == 0 && state->echo_len == 0;
	/* An empty answer now would be a failed attempt that PAM counts. */
	if (empty && state->req.fill == PROMPT_FILL_PENDING) {
		pn_info("%s while 1Password is filling the card: ignored", what);
		return;
	}
	/* The one press that lets 1Password's answer (kept by the agent) go to PAM. */
	if (keyboard_shows_fill(state)) {
		if (!press_counts(state, down_ms, what))
			return;
		state->phase = PHASE_CHECKING;
		protocol_send_confirm(state);
		return;
	}
	if (state->req.echo) {
		pn_secret_clear(state->password);
		pn_secret_append(state->password, state->echo_text, state->echo_len);
		explicit_bzero(state->echo_text, sizeof(state->echo_text));
		state->echo_len = 0;
	}
	state->phase = PHASE_CHECKING;
	protocol_send_answer(state);
	keyboard_clear_input(state);
}

static void cancel(struct state *state)
{
	pn_debug("cancelled at the prompt");
	protocol_send_cancel(state);
	state_quit(state, 0);
}

static bool inside(const struct rect *r, double x, double y)
{
	return r->w > 0 && x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h;
}

void pointer_click(struct state *state, double x, double y, bool pressed)
{
	bool on_ok = inside(&state->button_ok, x, y) && state->phase == PHASE_ASKING;
	if (pressed) {
		/* A click is a press and a release, both on Authenticate. */
		state->button_down_ms = on_ok ? pn_now_ms() : 0;
		return;
	}
	uint64_t down_ms = state->button_down_ms;
	state->button_down_ms = 0;
	if (on_ok && down_ms) {
		submit(state, down_ms, "a click on Authenticate");
		state_redraw(state);
	} else if (inside(&state->button_cancel, x, y) && state->phase != PHASE_CHECKING) {
		cancel(state);
	}
}

static void handle_key(struct state *state, xkb_keycode_t code)
{
	xkb_keysym_t sym = xkb_state_key_get_one_sym(state->xkb_state, code);
	bool ctrl = xkb_state_mod_name_is_active(state->xkb_state, XKB_MOD_NAME_CTRL,
			    XKB_STATE_MODS_EFFECTIVE) > 0;
	bool typing = state->phase == PHASE_ASKING;
	switch (sym) {
	case XKB_KEY_Escape:
		/* While the answer is checked, the agent has no question to cancel. */
		if (state->phase == PHASE_CHECKING)
			return;
		cancel(state);
		return;
	case XKB_KEY_Return:
	case XKB_KEY_KP_Enter:
		if (typing)
			submit(state, state->key_down_ms, "Enter");
		break;
	case XKB_KEY_BackSpace:
		if (!typing)
			return;
		if (ctrl)
			keyboard_clear_input(state);
		else
			pop_char(state);
		break;
	case XKB_KEY_Tab:
	case XKB_KEY_Down:
	case XKB_KEY_Right:
		change_user(state, 1);
		return;
	case XKB_KEY_ISO_Left_Tab:
	case XKB_KEY_Up:
	case XKB_KEY_Left:
		change_user(state, -1);
		return;
	default:
		if (!typing)
			return;
		if (ctrl && (sym == XKB_KEY_u || sym == XKB_KEY_U)) {
			keyboard_clear_input(state);
			break;
		}
		char text[16];
		int len = xkb_state_key_get_utf8(state->xkb_state, code, text, sizeof(text));
		/* Control characters (and Ctrl+letter) are not part of a password. */
		if (len > 0 && !ctrl && (unsigned char)text[0] >= 0x20 && text[0] != 0x7f)
			insert(state, text, (size_t)len);
		explicit_bzero(text, sizeof(text));
		break;
	}
	state_redraw(state);
}

static void stop_repeat(struct state *state)
{
	state->repeat_key = 0;
	if (state->repeat_timer)
		pn_timer_disarm(state->repeat_timer);
}

static void on_repeat(void *data)
{
	struct state *state = data;
	if (!state->repeat_key || state->repeat_rate <= 0)
		return;
	pn_timer_arm(state->repeat_timer, (uint64_t)(1000 / state->repeat_rate));
	handle_key(state, state->repeat_key);
}

void keyboard_key(struct state *state, uint32_t code, bool pressed)
{
	if (!state->xkb_state)
		return;
	if (!pressed) {
		if (code == state->repeat_key)
			stop_repeat(state);
		return;
	}
	stop_repeat(state);
	/* Repeats of a held key began when it went down. */
	state->key_down_ms = pn_now_ms();
	if (state->repeat_rate > 0 && xkb_keymap_key_repeats(state->keymap, code)) {
		if (!state->repeat_timer)
			state->repeat_timer = pn_loop_add_timer(state->loop, on_repeat, state);
		if (state->repeat_timer) {
			state->repeat_key = code;
			pn_timer_arm(state->repeat_timer, (uint64_t)state->repeat_delay);
		}
	}
	handle_key(state, code);
}

void keyboard_modifiers(struct state *state, uint32_t depressed, uint32_t latched, uint32_t locked,
	uint32_t group)
{
	if (!state->xkb_state)
		return;
	xkb_state_update_mask(state->xkb_state, depressed, latched, locked, 0, 0, group);
	bool caps = xkb_state_mod_name_is_active(state->xkb_state, XKB_MOD_NAME_CAPS,
			    XKB_STATE_MODS_LOCKED) > 0;
	if (caps != state->caps_lock) {
		state->caps_lock = caps;
		state_redraw(state);
	}
}

void keyboard_focus(struct state *state, bool has_keyboard)
{
	if (!has_keyboard)
		stop_repeat(state);
	bool was_known = state->focus_known;
	state->focus_known = true;
	pn_timer_disarm(state->focus_timer);
	if (has_keyboard == state->has_keyboard && was_known)
		return;
	state->has_keyboard = has_keyboard;
	if (has_keyboard)
		press_rearm(state, "keyboard focus");
	pn_debug(has_keyboard ? "the prompt has the keyboard" : "the prompt lost the keyboard");
	protocol_send_keyboard(state, has_keyboard);
	state_redraw(state);
}

void keyboard_repeat_info(struct state *state, int32_t rate, int32_t delay)
{
	state->repeat_rate = rate > 0 ? rate : 0;
	state->repeat_delay = delay > 0 ? delay : 0;
}

void keyboard_finish(struct state *state)
{
	pn_timer_remove(state->repeat_timer);
	state->repeat_timer = NULL;
	xkb_state_unref(state->xkb_state);
	xkb_keymap_unref(state->keymap);
	state->xkb_state = NULL;
	state->keymap = NULL;
}
