/*
 * A pointer for the tests under headless sway, which has no pointer device
 * (wtype gives it a keyboard only), through zwlr_virtual_pointer_v1:
 *
 *   virtual-pointer keep             a pointer on the seat until killed, so
 *                                    clients see the pointer capability
 *   virtual-pointer click X Y W H    moves to X, Y of a W x H layout
 *                                    (logical pixels) and clicks the left button
 *
 * WAYLAND_DISPLAY says where.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>

#include "wlr-virtual-pointer-unstable-v1-client-protocol.h"

#define BTN_LEFT 0x110

struct globals {
	struct wl_seat *seat;
	struct zwlr_virtual_pointer_manager_v1 *manager;
};

static void global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
	uint32_t version)
{
	struct globals *g = data;
	if (strcmp(interface, wl_seat_interface.name) == 0 && !g->seat)
		g->seat = wl_registry_bind(registry, name, &wl_seat_interface, 1);
	else if (strcmp(interface, zwlr_virtual_pointer_manager_v1_interface.name) == 0)
		g->manager = wl_registry_bind(registry, name,
			&zwlr_virtual_pointer_manager_v1_interface, 1);
}

static void global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = global,
	.global_remove = global_remove,
};

static uint32_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static int usage(void)
{
	fputs("usage: virtual-pointer keep | click X Y WIDTH HEIGHT\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	bool keep = argc == 2 && strcmp(argv[1], "keep") == 0;
	bool click = argc == 6 && strcmp(argv[1], "click") == 0;
	if (!keep && !click)
		return usage();
	struct wl_display *display = wl_display_connect(NULL);
	if (!display) {
		fputs("virtual-pointer: cannot connect to the Wayland display\n", stderr);
		return 1;
	}
	struct globals g = {0};
	struct wl_registry *registry = wl_display_get_registry(display);
	wl_registry_add_listener(registry, &registry_listener, &g);
	wl_display_roundtrip(display);
	if (!g.manager) {
		fputs("virtual-pointer: the compositor has no zwlr_virtual_pointer_manager_v1\n",
			stderr);
		return 1;
	}
	struct zwlr_virtual_pointer_v1 *pointer =
		zwlr_virtual_pointer_manager_v1_create_virtual_pointer(g.manager, g.seat);
	wl_display_roundtrip(display);
	if (keep) {
		while (wl_display_dispatch(display) >= 0)
			;
		return 0;
	}
	uint32_t x = (uint32_t)atoi(argv[2]), y = (uint32_t)atoi(argv[3]);
	uint32_t w = (uint32_t)atoi(argv[4]), h = (uint32_t)atoi(argv[5]);
	zwlr_virtual_pointer_v1_motion_absolute(pointer, now_ms(), x, y, w, h);
	zwlr_virtual_pointer_v1_frame(pointer);
	wl_display_roundtrip(display);
	zwlr_virtual_pointer_v1_button(pointer, now_ms(), BTN_LEFT,
		WL_POINTER_BUTTON_STATE_PRESSED);
	zwlr_virtual_pointer_v1_frame(pointer);
	wl_display_roundtrip(display);
	zwlr_virtual_pointer_v1_button(pointer, now_ms(), BTN_LEFT,
		WL_POINTER_BUTTON_STATE_RELEASED);
	zwlr_virtual_pointer_v1_frame(pointer);
	wl_display_roundtrip(display);
	zwlr_virtual_pointer_v1_destroy(pointer);
	wl_display_roundtrip(display);
	zwlr_virtual_pointer_manager_v1_destroy(g.manager);
	if (g.seat)
		wl_seat_destroy(g.seat);
	wl_registry_destroy(registry);
	wl_display_disconnect(display);
	return 0;
}
