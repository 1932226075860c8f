/*
 * A process that runs the libpanther loop with what every daemon has: a
 * session-bus connection exporting one object, a name watch, and a Niri
 * client on the event stream. bench/idle-wakeups watches it sit idle.
 */
#include <signal.h>
#include <stdio.h>

#include "panther/bus-names.h"
#include "panther/dbus.h"
#include "panther/log.h"
#include "panther/loop.h"
#include "panther/niri.h"

static DBusMessage *ping(void *data, struct pn_bus *bus, DBusMessage *msg)
{
	return dbus_message_new_method_return(msg);
}

static const struct pn_method methods[] = {
	{.name = "Ping", .in_sig = "", .out_sig = "", .fn = ping},
	{0},
};
static const struct pn_interface iface = {.name = "org.pantheros.IdleProbe1", .methods = methods};

static void on_owner(void *data, const char *name, const char *owner)
{
}

static void on_connected(void *data, struct pn_niri *niri)
{
	/* The harness waits for this line before it starts counting. */
	printf("ready\n");
	fflush(stdout);
}

static void on_quit(void *data, int signo)
{
	pn_loop_quit(data, 0);
}

int main(void)
{
	char err[256];
	pn_log_init("idle-probe", PN_LOG_INFO);
	struct pn_loop *loop = pn_loop_create();
	pn_loop_add_signal(loop, SIGTERM, on_quit, loop);
	pn_loop_add_signal(loop, SIGINT, on_quit, loop);
	struct pn_bus *bus = pn_bus_open(loop, PN_BUS_SESSION, err, sizeof(err));
	if (!bus) {
		pn_err("%s", err);
		return 1;
	}
	pn_bus_export(bus, "/org/pantheros/IdleProbe1", &iface, NULL);
	struct pn_name_watch *watch = pn_bus_watch_name(bus, PN_NOTIFY_NAME, on_owner, NULL);
	static const struct pn_niri_listener listener = {.connected = on_connected};
	struct pn_niri *niri = pn_niri_connect(loop, NULL, &listener, NULL, err, sizeof(err));
	if (!niri) {
		pn_err("%s", err);
		return 1;
	}
	int status = pn_loop_run(loop);
	pn_niri_destroy(niri);
	pn_name_watch_remove(watch);
	pn_bus_close(bus);
	pn_loop_destroy(loop);
	return status;
}
