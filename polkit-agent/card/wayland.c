#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fractional-scale-v1-client-protocol.h"
#include "state.h"
#include "viewporter-client-protocol.h"
#include "wlr-layer-shell-unstable-v1-client-protocol.h"
#include "panther/log.h"
#include "panther/util.h"

/*
 * The Wayland side: globals, one overlay layer surface over the whole output
 * the compositor picks (the focused one), its scale, shm buffers, and the
 * seat's keyboard (handed to keyboard.c).
 */

#define LAYER_NAMESPACE "panther-polkit"
/* How long a freshly mapped prompt waits for the keyboard before warning. */
#define FOCUS_GRACE_MS 400

/* ---- buffers ---- */

static void buffer_release(void *data, struct wl_buffer *wl_buffer)
{
	struct buffer *buffer = data;
	buffer->busy = false;
	/* A redraw that found both buffers in use. */
	if (buffer->state->dirty)
		state_redraw(buffer->state);
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_release,
};

static void buffer_destroy(struct buffer *buffer)
{
	if (buffer->wl_buffer)
		wl_buffer_destroy(buffer->wl_buffer);
	if (buffer->data)
		munmap(buffer->data, buffer->size);
	*buffer = (struct buffer){0};
}

static bool buffer_create(struct state *state, struct buffer *buffer, uint32_t width,
	uint32_t height)
{
	uint32_t stride = width * 4;
	size_t size = (size_t)stride * height;
	int fd = memfd_create("panther-polkit-prompt", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return false;
	if (ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		return false;
	}
	void *data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (data == MAP_FAILED) {
		close(fd);
		return false;
	}
	struct wl_shm_pool *pool = wl_shm_create_pool(state->shm, fd, (int32_t)size);
	buffer->wl_buffer = wl_shm_pool_create_buffer(pool, 0, (int32_t)width, (int32_t)height,
		(int32_t)stride, WL_SHM_FORMAT_ARGB8888);
	wl_buffer_add_listener(buffer->wl_buffer, &buffer_listener, buffer);
	wl_shm_pool_destroy(pool);
	close(fd);
	buffer->state = state;
	buffer->data = data;
	buffer->size = size;
	buffer->width = width;
	buffer->height = height;
	return true;
}

static struct buffer *next_buffer(struct state *state, uint32_t width, uint32_t height)
{
	for (size_t i = 0; i < PN_ARRAY_LEN(state->buffers); i++) {
		struct buffer *b = &state->buffers[i];
		if (b->busy)
			continue;
		if (b->wl_buffer && (b->width != width || b->height != height))
			buffer_destroy(b);
		if (!b->wl_buffer && !buffer_create(state, b, width, height))
			return NULL;
		return b;
	}
	return NULL;
}

/* ---- drawing ---- */

double wayland_scale(const struct state *state)
{
	if (state->scale120 && state->viewport)
		return state->scale120 / 120.0;
	int32_t entered = 0, any = 1;
	struct output *output;
	wl_list_for_each(output, &state->outputs, link) {
		if (output->scale > any)
			any = output->scale;
		if (output->entered && output->scale > entered)
			entered = output->scale;
	}
	/* Before the surface is on an output, the likeliest one. */
	return entered > 0 ? entered : any;
}

static void frame_done(void *data, struct wl_callback *callback, uint32_t time)
{
	struct state *state = data;
	wl_callback_destroy(callback);
	state->frame_callback = NULL;
	if (state->dirty)
		wayland_draw_frame(state);
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

static void focus_grace_over(void *data)
{
	struct state *state = data;
	if (state->focus_known)
		return;
	state->focus_known = true;
	pn_debug("no keyboard focus %d ms after mapping", FOCUS_GRACE_MS);
	protocol_send_keyboard(state, false);
	state_redraw(state);
}

void wayland_draw_frame(struct state *state)
{
	if (!state->configured || !state->width || !state->height)
		return;
	double scale = wayland_scale(state);
	uint32_t width, height;
	bool fractional = state->scale120 && state->viewport;
	if (fractional) {
		width = (uint32_t)lround(state->width * scale);
		height = (uint32_t)lround(state->height * scale);
	} else {
		width = state->width * (uint32_t)scale;
		height = state->height * (uint32_t)scale;
	}
	struct buffer *buffer = next_buffer(state, width, height);
	if (!buffer) {
		/* Both in use: the next release or frame brings us back. */
		return;
	}
	state->dirty = false;
	if (width != state->drawn_width || height != state->drawn_height) {
		pn_debug("drawing %ux%u pixels for %ux%u at scale %.3g (%s)", width, height,
			state->width, state->height, scale,
			fractional ? "wp_fractional_scale_v1" : "integer");
		state->drawn_width = width;
		state->drawn_height = height;
	}
	render(state, buffer->data, width, height, scale);
	if (fractional) {
		wl_surface_set_buffer_scale(state->surface, 1);
		wp_viewport_set_destination(state->viewport, (int32_t)state->width,
			(int32_t)state->height);
	} else {
		wl_surface_set_buffer_scale(state->surface, (int32_t)scale);
	}
	wl_surface_attach(state->surface, buffer->wl_buffer, 0, 0);
	wl_surface_damage_buffer(state->surface, 0, 0, INT32_MAX, INT32_MAX);
	state->frame_callback = wl_surface_frame(state->surface);
	wl_callback_add_listener(state->frame_callback, &frame_listener, state);
	wl_surface_commit(state->surface);
	buffer->busy = true;

	if (!state->shown && state->phase == PHASE_ASKING) {
		state->shown = true;
		press_rearm(state, "first frame");
		protocol_send_shown(state);
		if (!state->focus_known && !state->has_keyboard)
			pn_timer_arm(state->focus_timer, FOCUS_GRACE_MS);
	}
}

/* ---- the layer surface ---- */

static void layer_configure(void *data, struct zwlr_layer_surface_v1 *surface, uint32_t serial,
	uint32_t width, uint32_t height)
{
	struct state *state = data;
	zwlr_layer_surface_v1_ack_configure(surface, serial);
	if (state->configured && width == state->width && height == state->height)
		return;
	state->width = width;
	state->height = height;
	state->configured = true;
	state_redraw(state);
}

static void layer_closed(void *data, struct zwlr_layer_surface_v1 *surface)
{
	struct state *state = data;
	/* The output went away, or the compositor said no: the request is not answered here. */
	pn_info("the compositor closed the prompt");
	protocol_send_cancel(state);
	state_quit(state, 0);
}

static const struct zwlr_layer_surface_v1_listener layer_listener = {
	.configure = layer_configure,
	.closed = layer_closed,
};

static void surface_enter(void *data, struct wl_surface *surface, struct wl_output *wl_output)
{
	struct state *state = data;
	struct output *output;
	wl_list_for_each(output, &state->outputs, link) {
		if (output->wl_output == wl_output)
			output->entered = true;
	}
	state_redraw(state);
}

static void surface_leave(void *data, struct wl_surface *surface, struct wl_output *wl_output)
{
	struct state *state = data;
	struct output *output;
	wl_list_for_each(output, &state->outputs, link) {
		if (output->wl_output == wl_output)
			output->entered = false;
	}
	state_redraw(state);
}

static const struct wl_surface_listener surface_listener = {
	.enter = surface_enter,
	.leave = surface_leave,
};

static void preferred_scale(void *data, struct wp_fractional_scale_v1 *fractional, uint32_t scale)
{
	struct state *state = data;
	if (state->scale120 == scale)
		return;
	state->scale120 = scale;
	state_redraw(state);
}

static const struct wp_fractional_scale_v1_listener fractional_listener = {
	.preferred_scale = preferred_scale,
};

int wayland_show(struct state *state, char *err, size_t errlen)
{
	state->surface = wl_compositor_create_surface(state->compositor);
	wl_surface_add_listener(state->surface, &surface_listener, state);
	if (state->viewporter && state->fractional_scale_manager) {
		state->viewport = wp_viewporter_get_viewport(state->viewporter, state->surface);
		state->fractional_scale = wp_fractional_scale_manager_v1_get_fractional_scale(
			state->fractional_scale_manager, state->surface);
		wp_fractional_scale_v1_add_listener(state->fractional_scale, &fractional_listener,
			state);
	}
	/* No output: the compositor puts it on the one the person is using. */
	state->layer_surface = zwlr_layer_shell_v1_get_layer_surface(state->layer_shell,
		state->surface, NULL, ZWLR_LAYER_SHELL_V1_LAYER_OVERLAY, LAYER_NAMESPACE);
	zwlr_layer_surface_v1_add_listener(state->layer_surface, &layer_listener, state);
	zwlr_layer_surface_v1_set_anchor(state->layer_surface,
		ZWLR_LAYER_SURFACE_V1_ANCHOR_TOP | ZWLR_LAYER_SURFACE_V1_ANCHOR_BOTTOM |
			ZWLR_LAYER_SURFACE_V1_ANCHOR_LEFT | ZWLR_LAYER_SURFACE_V1_ANCHOR_RIGHT);
	zwlr_layer_surface_v1_set_size(state->layer_surface, 0, 0);
	/* Over panels too: the backdrop covers the whole output. */
	zwlr_layer_surface_v1_set_exclusive_zone(state->layer_surface, -1);
	zwlr_layer_surface_v1_set_keyboard_interactivity(state->layer_surface,
		ZWLR_LAYER_SURFACE_V1_KEYBOARD_INTERACTIVITY_EXCLUSIVE);
	wl_surface_commit(state->surface);
	if (wl_display_flush(state->display) < 0 && errno != EAGAIN) {
		snprintf(err, errlen, "Wayland connection: %s", strerror(errno));
		return -errno;
	}
	/* While the compositor answers with the surface's size. */
	render_warm_up();
	return 0;
}

/* ---- outputs ---- */

static void output_geometry(void *data, struct wl_output *wl_output, int32_t x, int32_t y,
	int32_t pw, int32_t ph, int32_t subpixel, const char *make, const char *model,
	int32_t transform)
{
}

static void output_mode(void *data, struct wl_output *wl_output, uint32_t flags, int32_t w,
	int32_t h, int32_t refresh)
{
}

static void output_done(void *data, struct wl_output *wl_output)
{
	struct output *output = data;
	state_redraw(output->state);
}

static void output_scale(void *data, struct wl_output *wl_output, int32_t factor)
{
	struct output *output = data;
	output->scale = factor > 0 ? factor : 1;
}

static const struct wl_output_listener output_listener = {
	.geometry = output_geometry,
	.mode = output_mode,
	.done = output_done,
	.scale = output_scale,
};

static void output_destroy(struct output *output)
{
	wl_list_remove(&output->link);
	if (wl_output_get_version(output->wl_output) >= WL_OUTPUT_RELEASE_SINCE_VERSION)
		wl_output_release(output->wl_output);
	else
		wl_output_destroy(output->wl_output);
	free(output);
}

/* ---- seat and keyboard ---- */

static void kb_keymap(void *data, struct wl_keyboard *kb, uint32_t format, int32_t fd,
	uint32_t size)
{
	keyboard_keymap(data, format, fd, size);
}

static void kb_enter(void *data, struct wl_keyboard *kb, uint32_t serial,
	struct wl_surface *surface, struct wl_array *keys)
{
	keyboard_focus(data, true);
}

static void kb_leave(void *data, struct wl_keyboard *kb, uint32_t serial,
	struct wl_surface *surface)
{
	keyboard_focus(data, false);
}

static void kb_key(void *data, struct wl_keyboard *kb, uint32_t serial, uint32_t time, uint32_t key,
	uint32_t key_state)
{
	keyboard_key(data, key + 8, key_state == WL_KEYBOARD_KEY_STATE_PRESSED);
}

static void kb_modifiers(void *data, struct wl_keyboard *kb, uint32_t serial, uint32_t depressed,
	uint32_t latched, uint32_t locked, uint32_t group)
{
	keyboard_modifiers(data, depressed, latched, locked, group);
}

static void kb_repeat_info(void *data, struct wl_keyboard *kb, int32_t rate, int32_t delay)
{
	keyboard_repeat_info(data, rate, delay);
}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = kb_keymap,
	.enter = kb_enter,
	.leave = kb_leave,
	.key = kb_key,
	.modifiers = kb_modifiers,
	.repeat_info = kb_repeat_info,
};

/* ---- pointer: a click on the card's buttons ---- */

static void ptr_enter(void *data, struct wl_pointer *pointer, uint32_t serial,
	struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y)
{
	struct state *state = data;
	state->pointer_x = wl_fixed_to_double(x);
	state->pointer_y = wl_fixed_to_double(y);
}

static void ptr_leave(void *data, struct wl_pointer *pointer, uint32_t serial,
	struct wl_surface *surface)
{
	struct state *state = data;
	state->pointer_x = state->pointer_y = -1;
}

static void ptr_motion(void *data, struct wl_pointer *pointer, uint32_t time, wl_fixed_t x,
	wl_fixed_t y)
{
	ptr_enter(data, pointer, 0, NULL, x, y);
}

static void ptr_button(void *data, struct wl_pointer *pointer, uint32_t serial, uint32_t time,
	uint32_t button, uint32_t button_state)
{
	struct state *state = data;
	/* BTN_LEFT (linux/input-event-codes.h); a click counts on release, as buttons do. */
	if (button == 0x110)
		pointer_click(state, state->pointer_x, state->pointer_y,
			button_state == WL_POINTER_BUTTON_STATE_PRESSED);
}

static void ptr_axis(void *data, struct wl_pointer *pointer, uint32_t time, uint32_t axis,
	wl_fixed_t value)
{
}

static void ptr_frame(void *data, struct wl_pointer *pointer)
{
}

static void ptr_axis_source(void *data, struct wl_pointer *pointer, uint32_t source)
{
}

static void ptr_axis_stop(void *data, struct wl_pointer *pointer, uint32_t time, uint32_t axis)
{
}

static void ptr_axis_discrete(void *data, struct wl_pointer *pointer, uint32_t axis,
	int32_t discrete)
{
}

/* Every event of wl_seat version 5 (as bound). */
static const struct wl_pointer_listener pointer_listener = {
	.enter = ptr_enter,
	.leave = ptr_leave,
	.motion = ptr_motion,
	.button = ptr_button,
	.axis = ptr_axis,
	.frame = ptr_frame,
	.axis_source = ptr_axis_source,
	.axis_stop = ptr_axis_stop,
	.axis_discrete = ptr_axis_discrete,
};

static void seat_pointer(struct state *state, struct wl_seat *seat, bool has)
{
	if (has && !state->pointer) {
		state->pointer = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(state->pointer, &pointer_listener, state);
	} else if (!has && state->pointer) {
		if (wl_pointer_get_version(state->pointer) >= WL_POINTER_RELEASE_SINCE_VERSION)
			wl_pointer_release(state->pointer);
		else
			wl_pointer_destroy(state->pointer);
		state->pointer = NULL;
	}
}

static void seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct state *state = data;
	seat_pointer(state, seat, caps & WL_SEAT_CAPABILITY_POINTER);
	bool has = caps & WL_SEAT_CAPABILITY_KEYBOARD;
	if (has && !state->keyboard) {
		state->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(state->keyboard, &keyboard_listener, state);
	} else if (!has && state->keyboard) {
		if (wl_keyboard_get_version(state->keyboard) >= WL_KEYBOARD_RELEASE_SINCE_VERSION)
			wl_keyboard_release(state->keyboard);
		else
			wl_keyboard_destroy(state->keyboard);
		state->keyboard = NULL;
		keyboard_focus(state, false);
	}
}

static void seat_name(void *data, struct wl_seat *seat, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = seat_capabilities,
	.name = seat_name,
};

/* ---- registry ---- */

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
	const char *interface, uint32_t version)
{
	struct state *state = data;
	if (strcmp(interface, wl_compositor_interface.name) == 0) {
		state->compositor = wl_registry_bind(registry, name, &wl_compositor_interface,
			min_u32(version, 4));
	} else if (strcmp(interface, wl_shm_interface.name) == 0) {
		state->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, zwlr_layer_shell_v1_interface.name) == 0) {
		state->layer_shell = wl_registry_bind(registry, name,
			&zwlr_layer_shell_v1_interface, min_u32(version, 4));
	} else if (strcmp(interface, wp_viewporter_interface.name) == 0) {
		state->viewporter = wl_registry_bind(registry, name, &wp_viewporter_interface, 1);
	} else if (strcmp(interface, wp_fractional_scale_manager_v1_interface.name) == 0) {
		state->fractional_scale_manager = wl_registry_bind(registry, name,
			&wp_fractional_scale_manager_v1_interface, 1);
	} else if (strcmp(interface, wl_seat_interface.name) == 0 && !state->seat) {
		state->seat = wl_registry_bind(registry, name, &wl_seat_interface,
			min_u32(version, 5));
		wl_seat_add_listener(state->seat, &seat_listener, state);
	} else if (strcmp(interface, wl_output_interface.name) == 0) {
		struct output *output = pn_xcalloc(1, sizeof(*output));
		output->state = state;
		output->name = name;
		output->scale = 1;
		output->wl_output = wl_registry_bind(registry, name, &wl_output_interface,
			min_u32(version, 3));
		wl_output_add_listener(output->wl_output, &output_listener, output);
		wl_list_insert(&state->outputs, &output->link);
	}
}

static void registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
	struct state *state = data;
	struct output *output, *tmp;
	wl_list_for_each_safe(output, tmp, &state->outputs, link) {
		if (output->name == name) {
			output_destroy(output);
			state_redraw(state);
		}
	}
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

/* ---- the connection in the loop ---- */

static int display_prepare(void *data, struct pollfd *fds, int max_fds, int *timeout_ms)
{
	struct state *state = data;
	while (wl_display_prepare_read(state->display) != 0) {
		if (wl_display_dispatch_pending(state->display) < 0)
			break;
	}
	short events = POLLIN;
	if (wl_display_flush(state->display) < 0 && errno == EAGAIN)
		events |= POLLOUT;
	fds[0] = (struct pollfd){.fd = wl_display_get_fd(state->display), .events = events};
	return 1;
}

static void display_dispatch(void *data, struct pollfd *fds, int n_fds)
{
	struct state *state = data;
	if (n_fds < 1)
		return;
	if (fds[0].revents & POLLIN) {
		if (wl_display_read_events(state->display) < 0) {
			state_fail(state, "lost the Wayland connection");
			return;
		}
	} else {
		wl_display_cancel_read(state->display);
	}
	if (wl_display_dispatch_pending(state->display) < 0) {
		char why[160];
		int code = wl_display_get_error(state->display);
		snprintf(why, sizeof(why), "Wayland connection failed: %s", strerror(code));
		state_fail(state, why);
		return;
	}
	if ((fds[0].revents & (POLLERR | POLLHUP)) && !(fds[0].revents & POLLIN))
		state_fail(state, "the compositor closed the Wayland connection");
}

static const struct pn_external display_source = {
	.prepare = display_prepare,
	.dispatch = display_dispatch,
};

int wayland_connect(struct state *state, char *err, size_t errlen)
{
	const char *name = getenv("WAYLAND_DISPLAY");
	state->display = wl_display_connect(NULL);
	if (!state->display) {
		snprintf(err, errlen, "cannot connect to the Wayland display %s: %s",
			name && *name ? name : "(WAYLAND_DISPLAY is unset)", strerror(errno));
		return -ENXIO;
	}
	state->registry = wl_display_get_registry(state->display);
	wl_registry_add_listener(state->registry, &registry_listener, state);
	/* Globals, then what binding them sent (output scales, seat capabilities). */
	if (wl_display_roundtrip(state->display) < 0 || wl_display_roundtrip(state->display) < 0) {
		snprintf(err, errlen, "Wayland connection failed while listing globals");
		return -EIO;
	}
	const char *missing = !state->compositor ? "wl_compositor"
		: !state->shm                    ? "wl_shm"
		: !state->layer_shell
		? "zwlr_layer_shell_v1 (a compositor with layer shell, such as niri or sway)"
		: NULL;
	if (missing) {
		snprintf(err, errlen, "the compositor does not offer %s", missing);
		return -ENOTSUP;
	}
	state->xkb_context = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	state->focus_timer = pn_loop_add_timer(state->loop, focus_grace_over, state);
	if (!state->xkb_context) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pn_loop_set_external(state->loop, &display_source, state);
	return 0;
}

void wayland_disconnect(struct state *state)
{
	if (!state->display)
		return;
	pn_loop_set_external(state->loop, NULL, NULL);
	pn_timer_remove(state->focus_timer);
	state->focus_timer = NULL;
	if (state->frame_callback)
		wl_callback_destroy(state->frame_callback);
	if (state->fractional_scale)
		wp_fractional_scale_v1_destroy(state->fractional_scale);
	if (state->viewport)
		wp_viewport_destroy(state->viewport);
	if (state->layer_surface)
		zwlr_layer_surface_v1_destroy(state->layer_surface);
	if (state->surface)
		wl_surface_destroy(state->surface);
	for (size_t i = 0; i < PN_ARRAY_LEN(state->buffers); i++)
		buffer_destroy(&state->buffers[i]);
	struct output *output, *tmp;
	wl_list_for_each_safe(output, tmp, &state->outputs, link)
		output_destroy(output);
	if (state->keyboard)
		wl_keyboard_destroy(state->keyboard);
	if (state->pointer)
		wl_pointer_destroy(state->pointer);
	if (state->seat)
		wl_seat_destroy(state->seat);
	if (state->fractional_scale_manager)
		wp_fractional_scale_manager_v1_destroy(state->fractional_scale_manager);
	if (state->viewporter)
		wp_viewporter_destroy(state->viewporter);
	if (state->layer_shell &&
		zwlr_layer_shell_v1_get_version(state->layer_shell) >=
			ZWLR_LAYER_SHELL_V1_DESTROY_SINCE_VERSION)
		zwlr_layer_shell_v1_destroy(state->layer_shell);
	else if (state->layer_shell)
		wl_proxy_destroy((struct wl_proxy *)state->layer_shell);
	if (state->shm)
		wl_shm_destroy(state->shm);
	if (state->compositor)
		wl_compositor_destroy(state->compositor);
	wl_registry_destroy(state->registry);
	/* The compositor unmaps the surface when it sees the destruction. */
	wl_display_flush(state->display);
	wl_display_disconnect(state->display);
	state->display = NULL;
	if (state->xkb_context)
		xkb_context_unref(state->xkb_context);
	state->xkb_context = NULL;
}
