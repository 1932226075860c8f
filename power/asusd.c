#include "asusd.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "panther/bus-names.h"
#include "panther/util.h"
#include "policy.h"
#include "remote.h"

/* asusd's PlatformProfile values. */
enum asus_profile {
	ASUS_BALANCED = 0,
	ASUS_PERFORMANCE = 1,
	ASUS_QUIET = 2,
	ASUS_LOW_POWER = 3,
	ASUS_CUSTOM = 4, /* the user's own fan curves and limits: none of the three */
};

struct asusd {
	const struct backend_listener *listener;
	void *data;
	struct remote *remote;
	uint32_t value;
	bool have_value;
	uint32_t choices; /* bit per asus_profile; 0 when asusd does not say */
	bool reported;
};

static enum pn_profile from_asus(uint32_t value)
{
	switch (value) {
	case ASUS_BALANCED:
		return PN_PROFILE_BALANCED;
	case ASUS_PERFORMANCE:
		return PN_PROFILE_PERFORMANCE;
	case ASUS_QUIET:
	case ASUS_LOW_POWER:
		return PN_PROFILE_POWER_SAVER;
	}
	return PN_PROFILE_NONE;
}

static unsigned offered(const struct asusd *asusd)
{
	if (!asusd->choices)
		return POLICY_BIT(PN_PROFILE_POWER_SAVER) | POLICY_BIT(PN_PROFILE_BALANCED) |
			POLICY_BIT(PN_PROFILE_PERFORMANCE);
	unsigned bits = 0;
	for (uint32_t v = 0; v < 32; v++) {
		if ((asusd->choices & (1u << v)) && from_asus(v) != PN_PROFILE_NONE)
			bits |= POLICY_BIT(from_asus(v));
	}
	return bits;
}

static void on_property(void *data, struct remote *remote, const char *name, DBusMessageIter *value)
{
	struct asusd *asusd = data;
	if (!value)
		return;
	int type = dbus_message_iter_get_arg_type(value);
	if (strcmp(name, "PlatformProfile") == 0 && type == DBUS_TYPE_UINT32) {
		dbus_message_iter_get_basic(value, &asusd->value);
		asusd->have_value = true;
	} else if (strcmp(name, "PlatformProfileChoices") == 0 && type == DBUS_TYPE_ARRAY) {
		DBusMessageIter items;
		asusd->choices = 0;
		dbus_message_iter_recurse(value, &items);
		while (dbus_message_iter_get_arg_type(&items) == DBUS_TYPE_UINT32) {
			uint32_t v;
			dbus_message_iter_get_basic(&items, &v);
			if (v < 32)
				asusd->choices |= 1u << v;
			dbus_message_iter_next(&items);
		}
	}
}

static void on_updated(void *data, struct remote *remote, bool first)
{
	struct asusd *asusd = data;
	if (!asusd->have_value)
		return;
	enum pn_profile active = from_asus(asusd->value);
	if (first || !asusd->reported) {
		asusd->reported = true;
		asusd->listener->appeared(asusd->data, offered(asusd), active);
	} else {
		asusd->listener->changed(asusd->data, offered(asusd), active);
	}
}

static void on_gone(void *data, struct remote *remote)
{
	struct asusd *asusd = data;
	asusd->have_value = false;
	asusd->choices = 0;
	asusd->reported = false;
	asusd->listener->gone(asusd->data);
}

static const struct remote_listener remote_listener = {
	.property = on_property,
	.updated = on_updated,
	.gone = on_gone,
};

struct asusd *asusd_create(struct pn_bus *system_bus, const struct backend_listener *listener,
	void *data)
{
	struct asusd *asusd = pn_xcalloc(1, sizeof(*asusd));
	asusd->listener = listener;
	asusd->data = data;
	asusd->remote = remote_create(system_bus, PN_ASUSD_NAME, PN_ASUSD_PATH,
		PN_ASUSD_PLATFORM_IFACE, &remote_listener, asusd);
	return asusd;
}

void asusd_destroy(struct asusd *asusd)
{
	if (!asusd)
		return;
	remote_destroy(asusd->remote);
	free(asusd);
}

bool asusd_custom(const struct asusd *asusd)
{
	return asusd->have_value && asusd->value == ASUS_CUSTOM;
}

bool asusd_present(const struct asusd *asusd)
{
	return asusd->reported;
}

int asusd_set_profile(struct asusd *asusd, enum pn_profile profile, backend_done_fn fn, void *data)
{
	uint32_t value;
	switch (profile) {
	case PN_PROFILE_BALANCED:
		value = ASUS_BALANCED;
		break;
	case PN_PROFILE_PERFORMANCE:
		value = ASUS_PERFORMANCE;
		break;
	case PN_PROFILE_POWER_SAVER:
		/* Quiet where the firmware has it (ASUS laptops), else LowPower. */
		value = ASUS_QUIET;
		if (asusd->choices && !(asusd->choices & (1u << ASUS_QUIET)))
			value = ASUS_LOW_POWER;
		break;
	default:
		return -EINVAL;
	}
	return remote_set(asusd->remote, "PlatformProfile", DBUS_TYPE_UINT32, &value, fn, data);
}
