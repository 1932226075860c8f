#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"
#include "panther/log.h"
#include "panther/util.h"

/*
 * Colors from DankMaterialShell (DESIGN.md 5.6): dms-colors.json holds a
 * "dark" and a "light" set of Material roles, session.json says which one is
 * in use. Missing or unreadable files mean the built-in Material baseline.
 */

#define THEME_FILE_MAX (1024 * 1024)

struct role {
	const char *name;
	size_t offset;
	uint32_t dark, light; /* the built-in palette */
};

#define ROLE(field, d, l)                                   \
	{                                                   \
#field, offsetof(struct theme, field), d, l \
	}

static const struct role roles[] = {
	ROLE(surface_container, 0x211f26, 0xf3edf7),
	ROLE(surface_container_highest, 0x36343b, 0xe6e0e9),
	ROLE(on_surface, 0xe6e0e9, 0x1d1b20),
	ROLE(on_surface_variant, 0xcac4d0, 0x49454f),
	ROLE(primary, 0xd0bcff, 0x6750a4),
	ROLE(outline, 0x938f99, 0x79747e),
	ROLE(outline_variant, 0x49454f, 0xcac4d0),
	ROLE(error, 0xf2b8b5, 0xb3261e),
	ROLE(tertiary, 0xefb8c8, 0x7d5260),
	ROLE(scrim, 0x000000, 0x000000),
};

static struct color *role_color(struct theme *theme, const struct role *role)
{
	return (struct color *)((char *)theme + role->offset);
}

static struct color rgb(uint32_t v)
{
	return (struct color){
		.r = ((v >> 16) & 0xff) / 255.0,
		.g = ((v >> 8) & 0xff) / 255.0,
		.b = (v & 0xff) / 255.0,
	};
}

static bool parse_color(const char *text, uint32_t *out)
{
	if (text[0] != '#' || strlen(text) != 7)
		return false;
	uint32_t v = 0;
	for (const char *p = text + 1; *p; p++) {
		int d;
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return false;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return true;
}

/* The parsed file, or NULL (a line logged unless it simply does not exist). */
static struct json_object *read_json(const char *path)
{
	char *text;
	size_t len;
	int r = pn_read_file(path, THEME_FILE_MAX, &text, &len);
	if (r == -EISDIR || r == -EINVAL || r == -EFBIG)
		pn_warn("%s: not a regular file of at most 1 MiB; using the built-in colors", path);
	else if (r < 0 && r != -ENOENT)
		pn_warn("%s: %s; using the built-in colors", path, strerror(-r));
	if (r < 0)
		return NULL;
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj = tok ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
	if (tok && !obj)
		pn_warn("%s: invalid JSON (%s); using the built-in colors", path,
			json_tokener_error_desc(json_tokener_get_error(tok)));
	else if (tok && (size_t)json_tokener_get_parse_end(tok) < len)
		pn_warn("%s: text after the JSON document is ignored", path);
	json_tokener_free(tok);
	free(text);
	return obj;
}

static bool read_light_mode(void)
{
	char path[PATH_MAX];
	if (!pn_xdg_path(path, sizeof(path), "XDG_STATE_HOME", ".local/state",
		    "DankMaterialShell/session.json"))
		return false;
	struct json_object *session = read_json(path), *v;
	bool light = false;
	if (session && json_object_object_get_ex(session, "isLightMode", &v)) {
		if (json_object_is_type(v, json_type_boolean))
			light = json_object_get_boolean(v);
		else
			pn_warn("%s: isLightMode is not true or false; using dark", path);
	}
	json_object_put(session);
	return light;
}

static void builtin(struct theme *theme, bool light)
{
	theme->light = light;
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		*role_color(theme, &roles[i]) = rgb(light ? roles[i].light : roles[i].dark);
}

void theme_load(struct theme *theme)
{
	builtin(theme, read_light_mode());
	char path[PATH_MAX];
	if (!pn_xdg_path(path, sizeof(path), "XDG_CACHE_HOME", ".cache",
		    "DankMaterialShell/dms-colors.json"))
		return;
	struct json_object *file = read_json(path), *colors, *set;
	if (!file)
		return;
	const char *mode = theme->light ? "light" : "dark";
	if (!json_object_object_get_ex(file, "colors", &colors) ||
		!json_object_object_get_ex(colors, mode, &set) ||
		!json_object_is_type(set, json_type_object)) {
		pn_warn("%s: no colors.%s object; using the built-in colors", path, mode);
		json_object_put(file);
		return;
	}
	/* Roles the file lacks keep the built-in value; a malformed one is named. */
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		struct json_object *v;
		uint32_t value;
		if (!json_object_object_get_ex(set, roles[i].name, &v))
			continue;
		if (json_object_is_type(v, json_type_string) &&
			parse_color(json_object_get_string(v), &value)) {
			*role_color(theme, &roles[i]) = rgb(value);
		} else {
			pn_warn("%s: colors.%s.%s is not a \"#rrggbb\" color; using the built-in one",
				path, mode, roles[i].name);
		}
	}
	json_object_put(file);
}
