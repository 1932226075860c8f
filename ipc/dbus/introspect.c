/* Introspection XML for exported objects and the paths above them. */

#include "bus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- introspection ---- */

static const char standard_interfaces_xml[] =
	"  <interface name=\"org.freedesktop.DBus.Peer\">\n"
	"    <method name=\"Ping\"/>\n"
	"    <method name=\"GetMachineId\">\n"
	"      <arg type=\"s\" name=\"machine_uuid\" direction=\"out\"/>\n"
	"    </method>\n"
	"  </interface>\n"
	"  <interface name=\"org.freedesktop.DBus.Introspectable\">\n"
	"    <method name=\"Introspect\">\n"
	"      <arg type=\"s\" name=\"xml_data\" direction=\"out\"/>\n"
	"    </method>\n"
	"  </interface>\n"
	"  <interface name=\"org.freedesktop.DBus.Properties\">\n"
	"    <method name=\"Get\">\n"
	"      <arg type=\"s\" name=\"interface_name\" direction=\"in\"/>\n"
	"      <arg type=\"s\" name=\"property_name\" direction=\"in\"/>\n"
	"      <arg type=\"v\" name=\"value\" direction=\"out\"/>\n"
	"    </method>\n"
	"    <method name=\"GetAll\">\n"
	"      <arg type=\"s\" name=\"interface_name\" direction=\"in\"/>\n"
	"      <arg type=\"a{sv}\" name=\"properties\" direction=\"out\"/>\n"
	"    </method>\n"
	"    <method name=\"Set\">\n"
	"      <arg type=\"s\" name=\"interface_name\" direction=\"in\"/>\n"
	"      <arg type=\"s\" name=\"property_name\" direction=\"in\"/>\n"
	"      <arg type=\"v\" name=\"value\" direction=\"in\"/>\n"
	"    </method>\n"
	"    <signal name=\"PropertiesChanged\">\n"
	"      <arg type=\"s\" name=\"interface_name\"/>\n"
	"      <arg type=\"a{sv}\" name=\"changed_properties\"/>\n"
	"      <arg type=\"as\" name=\"invalidated_properties\"/>\n"
	"    </signal>\n"
	"  </interface>\n";

/* One <arg> per complete type of sig, named from the comma-separated names. */
static void introspect_args(FILE *f, const char *sig, const char *names, const char *direction)
{
	if (!sig || !*sig)
		return;
	DBusSignatureIter it;
	dbus_signature_iter_init(&it, sig);
	do {
		char *type = dbus_signature_iter_get_signature(&it);
		fprintf(f, "      <arg type=\"%s\"", type ? type : "");
		dbus_free(type);
		if (names) {
			names += strspn(names, " ");
			size_t len = strcspn(names, ",");
			if (len > 0)
				fprintf(f, " name=\"%.*s\"", (int)len, names);
			names = names[len] ? names + len + 1 : NULL;
		}
		if (direction)
			fprintf(f, " direction=\"%s\"", direction);
		fputs("/>\n", f);
	} while (dbus_signature_iter_next(&it));
}

static void introspect_interface(FILE *f, const struct pn_interface *iface)
{
	fprintf(f, "  <interface name=\"%s\">\n", iface->name);
	for (const struct pn_method *m = iface->methods; m && m->name; m++) {
		fprintf(f, "    <method name=\"%s\">\n", m->name);
		introspect_args(f, m->in_sig, m->in_names, "in");
		introspect_args(f, m->out_sig, m->out_names, "out");
		fputs("    </method>\n", f);
	}
	for (const struct pn_property *p = iface->properties; p && p->name; p++) {
		const char *access = p->get ? (p->set ? "readwrite" : "read") : "write";
		fprintf(f, "    <property name=\"%s\" type=\"%s\" access=\"%s\"/>\n", p->name,
			p->sig, access);
	}
	for (const struct pn_signal *s = iface->signals; s && s->name; s++) {
		fprintf(f, "    <signal name=\"%s\">\n", s->name);
		introspect_args(f, s->sig, s->names, NULL);
		fputs("    </signal>\n", f);
	}
	fputs("  </interface>\n", f);
}

DBusMessage *bus_introspect(struct pn_bus *bus, DBusMessage *msg, const char *path)
{
	if (!dbus_message_has_signature(msg, ""))
		return pn_error_reply(msg, DBUS_ERROR_INVALID_ARGS,
			"Introspect takes no arguments, got '%s'", dbus_message_get_signature(msg));
	char *xml = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&xml, &size);
	if (!f)
		return bus_no_memory(msg);
	fputs(DBUS_INTROSPECT_1_0_XML_DOCTYPE_DECL_NODE "<node>\n", f);
	if (bus_path_exported(bus, path)) {
		fputs(standard_interfaces_xml, f);
		for (struct export *e = bus_next_export(bus->exports, path, NULL); e;
			e = bus_next_export(e->next, path, NULL))
			introspect_interface(f, e->iface);
	}
	for (struct export *e = bus->exports; e; e = e->next) {
		size_t len;
		const char *child = e->dead ? NULL : bus_child_of(path, e->path, &len);
		if (!child)
			continue;
		/* Several exports may lie under one child: name it once. */
		bool seen = false;
		for (struct export *o = bus->exports; o != e && !seen; o = o->next) {
			size_t olen;
			const char *other = o->dead ? NULL : bus_child_of(path, o->path, &olen);
			seen = other && olen == len && strncmp(other, child, len) == 0;
		}
		if (!seen)
			fprintf(f, "  <node name=\"%.*s\"/>\n", (int)len, child);
	}
	fputs("</node>\n", f);
	bool failed = ferror(f);
	if (fclose(f) != 0 || failed) {
		free(xml);
		return bus_no_memory(msg);
	}
	DBusMessage *reply = dbus_message_new_method_return(msg);
	const char *text = xml;
	if (reply && !dbus_message_append_args(reply, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID)) {
		dbus_message_unref(reply);
		reply = NULL;
	}
	free(xml);
	return reply ? reply : bus_no_memory(msg);
}

bool bus_has_children(struct pn_bus *bus, const char *path)
{
	for (struct export *e = bus->exports; e; e = e->next) {
		size_t len;
		if (!e->dead && bus_child_of(path, e->path, &len))
			return true;
	}
	return false;
}
