#include "idle.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-client.h>

#include "ext-idle-notify-v1-client-protocol.h"
#include "panther/log.h"
#include "panther/util.h"

struct idle {
	struct pn_loop *loop;
	const struct idle_listener *listener;
	void *data;
	int timeout_s;
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_seat *seat;
	struct ext_idle_notifier_v1 *notifier;
	struct ext_idle_notification_v1 *notification;
	struct pn_fd *source;
	bool idle;
	bool said_unavailable;
};

static void set_idle(struct idle *idle, bool is_idle)
{
	if (idle->idle == is_idle)
		return;
	idle->idle = is_idle;
	pn_debug("idle: %s", is_idle ? "no input for the timeout" : "input resumed");
	idle->listener->changed(idle->data, is_idle);
}

static void notification_idled(void *data, struct ext_idle_notification_v1 *notification)
{
	set_idle(data, true);
}

static void notification_resumed(void *data, struct ext_idle_notification_v1 *notification)
{
	set_idle(data, false);
}

static const struct ext_idle_notification_v1_listener notification_listener = {
	.idled = notification_idled,
	.resumed = notification_resumed,
};

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
	const char *interface, uint32_t version)
{
	struct idle *idle = data;
	if (strcmp(interface, ext_idle_notifier_v1_interface.name) == 0 && !idle->notifier) {
		idle->notifier = wl_registry_bind(registry, name, &ext_idle_notifier_v1_interface,
			1);
	} else if (strcmp(interface, wl_seat_interface.name) == 0 && !idle->seat) {
		idle->seat = wl_registry_bind(registry, name, &wl_seat_interface, 1);
	}
}

static void registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

static void disconnect(struct idle *idle)
{
	if (idle->source) {
		pn_fd_remove(idle->source);
		idle->source = NULL;
	}
	if (idle->notification)
		ext_idle_notification_v1_destroy(idle->notification);
	if (idle->notifier)
		ext_idle_notifier_v1_destroy(idle->notifier);
	if (idle->seat)
		wl_seat_destroy(idle->seat);
	if (idle->registry)
		wl_registry_destroy(idle->registry);
	if (idle->display)
		wl_display_disconnect(idle->display);
	idle->notification = NULL;
	idle->notifier = NULL;
	idle->seat = NULL;
	idle->registry = NULL;
	idle->display = NULL;
	set_idle(idle, false);
}

static void unavailable(struct idle *idle, const char *why)
{
	if (!idle->said_unavailable)
		pn_notice("the idle profile is off: %s", why);
	idle->said_unavailable = true;
}

static void on_display(void *data, int fd, short revents)
{
	struct idle *idle = data;
	if (revents & POLLIN) {
		if (wl_display_dispatch(idle->display) < 0) {
			pn_warn("idle: the Wayland connection failed (%s): the idle profile is off",
				strerror(wl_display_get_error(idle->display)));
			disconnect(idle);
			return;
		}
	} else if (revents & (POLLHUP | POLLERR)) {
		pn_warn("idle: the compositor closed the Wayland connection: the idle profile is off");
		disconnect(idle);
		return;
	}
	wl_display_flush(idle->display);
}

static void watch_idle(struct idle *idle)
{
	idle->notification = ext_idle_notifier_v1_get_idle_notification(idle->notifier,
		(uint32_t)idle->timeout_s * 1000u, idle->seat);
	ext_idle_notification_v1_add_listener(idle->notification, &notification_listener, idle);
	wl_display_flush(idle->display);
}

static void connect_display(struct idle *idle)
{
	if (!getenv("WAYLAND_DISPLAY") && !getenv("WAYLAND_SOCKET")) {
		unavailable(idle, "WAYLAND_DISPLAY is not set");
		return;
	}
	idle->display = wl_display_connect(NULL);
	if (!idle->display) {
		char why[256];
		snprintf(why, sizeof(why), "cannot connect to the Wayland display \"%s\": %s",
			getenv("WAYLAND_DISPLAY") ? getenv("WAYLAND_DISPLAY") : "(socket)",
			strerror(errno));
		unavailable(idle, why);
		return;
	}
	idle->registry = wl_display_get_registry(idle->display);
	wl_registry_add_listener(idle->registry, &registry_listener, idle);
	if (wl_display_roundtrip(idle->display) < 0) {
		disconnect(idle);
		unavailable(idle, "the Wayland display failed while listing its globals");
		return;
	}
	if (!idle->notifier || !idle->seat) {
		disconnect(idle);
		unavailable(idle,
			!idle->notifier ? "the compositor does not offer ext_idle_notifier_v1"
					: "the compositor has no seat");
		return;
	}
	idle->source = pn_loop_add_fd(idle->loop, wl_display_get_fd(idle->display), POLLIN,
		on_display, idle);
	watch_idle(idle);
	pn_debug("idle: watching for %d s without input", idle->timeout_s);
}

struct idle *idle_create(struct pn_loop *loop, int timeout_s, const struct idle_listener *listener,
	void *data)
{
	struct idle *idle = pn_xcalloc(1, sizeof(*idle));
	idle->loop = loop;
	idle->listener = listener;
	idle->data = data;
	idle_set_timeout(idle, timeout_s);
	return idle;
}

void idle_set_timeout(struct idle *idle, int timeout_s)
{
	if (timeout_s == idle->timeout_s && (idle->display || timeout_s == 0))
		return;
	idle->timeout_s = timeout_s;
	if (timeout_s <= 0) {
		disconnect(idle);
		return;
	}
	if (!idle->display) {
		connect_display(idle);
		return;
	}
	/* Same connection, new timeout: a fresh notification object. */
	ext_idle_notification_v1_destroy(idle->notification);
	set_idle(idle, false);
	watch_idle(idle);
}

void idle_destroy(struct idle *idle)
{
	if (!idle)
		return;
	/* No report while going away. */
	idle->idle = false;
	disconnect(idle);
	free(idle);
}
