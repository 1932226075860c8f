#ifndef PANTHER_PROMPT_STATE_H
#define PANTHER_PROMPT_STATE_H

/*
 * panther-polkit-prompt: one authentication request on screen, from the
 * agent's first question to its "close". Everything lives in struct state.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wayland-client.h>
#include <xkbcommon/xkbcommon.h>

#include "panther/loop.h"
#include "prompt-protocol.h"

struct pn_secret;

/* Colors as cairo wants them: 0..1. */
struct color {
	double r, g, b;
};

struct theme {
	bool light;
	struct color surface_container; /* the card */
	struct color surface_container_highest; /* the password field */
	struct color on_surface;
	struct color on_surface_variant;
	struct color primary;
	struct color outline;
	struct color outline_variant;
	struct color error;
	struct color tertiary;
	struct color scrim;
};

/* What the agent asked to show (protocol "ask" ... "show"). */
struct request_view {
	uint32_t id;
	char *message;
	char *action;
	char *program;
	char *question;
	char *error; /* the last attempt's failure, and PAM errors since */
	char *info; /* PAM information text */
	char *onepassword; /* why 1Password did not answer */
	char *purpose; /* what 1Password's own action is for */
	char *then; /* what follows this card */
	enum prompt_fill fill; /* 1Password's part (protocol "fill") */
	char **users;
	size_t n_users;
	size_t selected;
	bool echo;
};

enum phase {
	PHASE_WAITING, /* no complete question from the agent yet */
	PHASE_ASKING, /* typing */
	PHASE_CHECKING, /* the answer went to the agent */
	PHASE_SWITCHING /* another identity was chosen; waiting for its question */
};

/* A place on the card, in logical pixels. */
struct rect {
	double x, y, w, h;
};

struct output {
	struct wl_list link;
	struct state *state;
	struct wl_output *wl_output;
	uint32_t name;
	int32_t scale;
	bool entered; /* our surface is on it */
};

struct buffer {
	struct state *state;
	struct wl_buffer *wl_buffer;
	void *data;
	size_t size;
	uint32_t width, height;
	bool busy;
};

struct state {
	struct pn_loop *loop;
	bool running;
	int exit_status;

	/* The agent. */
	int agent_fd;
	struct pn_fd *agent_source;
	struct request_view req; /* on screen */
	struct request_view pending; /* being received */
	bool receiving; /* between "ask" and "show" */
	bool have_request; /* "show" arrived at least once */
	enum phase phase;

	/* What is typed: into locked memory, or for an echo-on question in plain sight. */
	struct pn_secret *password;
	size_t typed_chars; /* how many dots */
	char echo_text[512];
	size_t echo_len;
	bool too_long;

	struct theme theme;

	/* Wayland. */
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct zwlr_layer_shell_v1 *layer_shell;
	struct wp_viewporter *viewporter;
	struct wp_fractional_scale_manager_v1 *fractional_scale_manager;
	struct wl_list outputs;
	struct wl_seat *seat;
	struct wl_keyboard *keyboard;
	struct wl_pointer *pointer;
	double pointer_x, pointer_y; /* where it is on our surface */
	struct rect button_ok; /* drawn by render(); empty when not shown */
	struct rect button_cancel;

	struct wl_surface *surface;
	struct zwlr_layer_surface_v1 *layer_surface;
	struct wp_viewport *viewport;
	struct wp_fractional_scale_v1 *fractional_scale;
	uint32_t width, height; /* logical size from the compositor */
	uint32_t scale120; /* preferred fractional scale * 120; 0: not offered */
	uint32_t drawn_width, drawn_height; /* the last buffer's size */
	double card_top, card_space; /* where the card is, for which height */
	bool configured;
	bool dirty;
	bool shown; /* a frame with the request is on screen */
	struct wl_callback *frame_callback;
	struct buffer buffers[2];

	/* Keyboard. */
	struct xkb_context *xkb_context;
	struct xkb_keymap *keymap;
	struct xkb_state *xkb_state;
	bool has_keyboard; /* wl_keyboard enter without leave */
	bool focus_known; /* entered once, or the grace time after mapping ran out */
	struct pn_timer *focus_timer;
	bool caps_lock;
	int32_t repeat_rate; /* keys per second; 0: no repeat */
	int32_t repeat_delay; /* ms */
	uint32_t repeat_key; /* evdev code + 8, or 0 */
	struct pn_timer *repeat_timer;

	/*
	 * The press that counts: on a filled card Enter or a click confirms
	 * only when it began PRESS_ARM_MS after the latest of the first frame,
	 * keyboard focus and the fill (press.c).
	 */
	uint64_t arm_start_ms; /* monotonic; 0: nothing to arm yet */
	bool armed;
	struct pn_timer *arm_timer;
	uint64_t key_down_ms; /* when the key now held went down */
	uint64_t button_down_ms; /* when the left button went down on Authenticate; 0 */
};

/* main.c */
void state_redraw(struct state *state);
void state_fail(struct state *state, const char *why);
void state_quit(struct state *state, int status);

/* conversation.c: the card's side of the conversation with the agent */
int protocol_start(struct state *state, int fd);
void protocol_stop(struct state *state);
void request_view_clear(struct request_view *req);
void protocol_send_answer(struct state *state);
void protocol_send_confirm(struct state *state);
void protocol_send_cancel(struct state *state);
void protocol_send_user(struct state *state, size_t user);
void protocol_send_keyboard(struct state *state, bool has_keyboard);
void protocol_send_shown(struct state *state);
void protocol_send_armed(struct state *state);

/* wayland.c */
int wayland_connect(struct state *state, char *err, size_t errlen);
int wayland_show(struct state *state, char *err, size_t errlen);
void wayland_disconnect(struct state *state);
/* The scale to draw at: the fractional one, else the largest output's. */
double wayland_scale(const struct state *state);
void wayland_draw_frame(struct state *state);

/* keyboard.c */
void keyboard_keymap(struct state *state, uint32_t format, int fd, uint32_t size);
void keyboard_key(struct state *state, uint32_t key, bool pressed);
void keyboard_modifiers(struct state *state, uint32_t depressed, uint32_t latched, uint32_t locked,
	uint32_t group);
void keyboard_focus(struct state *state, bool has_keyboard);
void keyboard_repeat_info(struct state *state, int32_t rate, int32_t delay);
void keyboard_finish(struct state *state);
/* Wipes what was typed. */
void keyboard_clear_input(struct state *state);
/* Nothing is typed and 1Password's answer stands: Enter confirms it. */
bool keyboard_shows_fill(const struct state *state);
/* The left button at x, y (logical): a click on a button does what Enter or Escape does. */
void pointer_click(struct state *state, double x, double y, bool pressed);

/* press.c */
#define PRESS_ARM_MS 500
int press_init(struct state *state);
void press_finish(struct state *state);
/* The card changed in a way a press must wait for (first frame, focus, fill). */
void press_rearm(struct state *state, const char *why);
/* Whether a press that went down at down_ms may confirm 1Password's answer. */
bool press_counts(struct state *state, uint64_t down_ms, const char *what);
/* The card is filled and still arming: the button is greyed. */
bool press_arming(const struct state *state);

/* render.c: paints the whole surface into data (ARGB8888, stride width * 4). */
void render(struct state *state, void *data, uint32_t width, uint32_t height, double scale);
/* Loads the fonts now, so the first frame does not wait for fontconfig. */
void render_warm_up(void);
/* Frees what the drawing libraries keep for the next frame. */
void render_finish(void);

/* theme.c */
void theme_load(struct theme *theme);

#endif
