#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

#include "state.h"
#include "panther/log.h"
#include "panther/secret.h"

/*
 * One frame: a dimmed backdrop over the output and a card in the middle.
 * Sizes are in logical pixels; cairo scales them to the buffer, so text is
 * laid out once and rendered at the output's real resolution. Text from
 * polkit and PAM goes through pango_layout_set_text: never parsed as markup.
 */

#define CARD_WIDTH 480.0
#define CARD_MARGIN 16.0
#define PAD 24.0
#define RADIUS 20.0
#define FIELD_HEIGHT 44.0
#define FIELD_RADIUS 12.0
#define BUTTON_HEIGHT 36.0
#define BUTTON_PAD 18.0
#define DOT_RADIUS 4.5
#define DOT_STEP 16.0
#define BACKDROP_ALPHA 0.55
/* 1Password's answer is shown as this many dots, whatever its length. */
#define FILLED_DOTS 10

enum block_kind {
	BLOCK_TEXT,
	BLOCK_FIELD, /* the password field */
	BLOCK_BUTTONS, /* the key hints, Cancel and Authenticate */
};

struct block {
	enum block_kind kind;
	PangoLayout *layout; /* the text, or the key hints */
	struct color color;
	double gap; /* space above it */
	double height;
};

struct frame {
	cairo_t *cr;
	PangoContext *pango;
	const struct theme *theme;
	double inner_width;
	struct block blocks[16];
	size_t n_blocks;
	PangoLayout *user_hint; /* right of the identity, when there are several */
	size_t user_block;
};

static void rounded_rect(cairo_t *cr, double x, double y, double w, double h, double r)
{
	cairo_new_sub_path(cr);
	cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
	cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
	cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
	cairo_arc(cr, x + r, y + r, r, M_PI, 3 * M_PI / 2);
	cairo_close_path(cr);
}

static void set_color(cairo_t *cr, struct color c, double alpha)
{
	cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

static PangoLayout *layout_new(struct frame *f, const char *text, double px, PangoWeight weight,
	int max_lines, PangoEllipsizeMode ellipsize, double width)
{
	PangoLayout *layout = pango_layout_new(f->pango);
	PangoFontDescription *font = pango_font_description_from_string("sans-serif");
	pango_font_description_set_absolute_size(font, px * PANGO_SCALE);
	pango_font_description_set_weight(font, weight);
	pango_layout_set_font_description(layout, font);
	pango_font_description_free(font);
	pango_layout_set_width(layout, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_ellipsize(layout, ellipsize);
	pango_layout_set_height(layout, -max_lines);
	pango_layout_set_text(layout, text, -1);
	return layout;
}

static double layout_height(PangoLayout *layout)
{
	int w, h;
	pango_layout_get_size(layout, &w, &h);
	return (double)h / PANGO_SCALE;
}

static double layout_width(PangoLayout *layout)
{
	int w, h;
	pango_layout_get_size(layout, &w, &h);
	return (double)w / PANGO_SCALE;
}

static void add_block(struct frame *f, enum block_kind kind, PangoLayout *layout,
	struct color color, double gap)
{
	if (f->n_blocks == sizeof(f->blocks) / sizeof(f->blocks[0])) {
		if (layout)
			g_object_unref(layout);
		return;
	}
	double height = kind == BLOCK_FIELD ? FIELD_HEIGHT
		: kind == BLOCK_BUTTONS     ? BUTTON_HEIGHT
					    : layout_height(layout);
	f->blocks[f->n_blocks++] = (struct block){
		.kind = kind,
		.layout = layout,
		.color = color,
		.gap = gap,
		.height = height,
	};
}

static void add(struct frame *f, PangoLayout *layout, struct color color, double gap)
{
	add_block(f, layout ? BLOCK_TEXT : BLOCK_FIELD, layout, color, gap);
}

static void add_text(struct frame *f, const char *text, double px, PangoWeight weight,
	int max_lines, struct color color, double gap)
{
	add(f, layout_new(f, text, px, weight, max_lines, PANGO_ELLIPSIZE_END, f->inner_width),
		color, gap);
}

static bool warn_focus(const struct state *state)
{
	return !state->has_keyboard && state->focus_known;
}

static void build(struct frame *f, const struct state *state)
{
	const struct request_view *req = &state->req;
	const struct theme *t = f->theme;
	char text[1024];

	const char *polkit_message = req->message ? req->message
						  : "A program wants to act as another user.";
	if (req->purpose) {
		/* One of 1Password's own requests: say what it is for first. */
		add_text(f, "1Password", 13, PANGO_WEIGHT_SEMIBOLD, 1, t->primary, 0);
		add_text(f, req->purpose, 19, PANGO_WEIGHT_MEDIUM, 4, t->on_surface, 8);
		add_text(f, polkit_message, 13, PANGO_WEIGHT_NORMAL, 3, t->on_surface_variant, 6);
	} else {
		add_text(f, "Authentication required", 13, PANGO_WEIGHT_SEMIBOLD, 1, t->primary, 0);
		add_text(f, polkit_message, 19, PANGO_WEIGHT_MEDIUM, 4, t->on_surface, 8);
	}
	if (req->then)
		add_text(f, req->then, 13, PANGO_WEIGHT_NORMAL, 3, t->tertiary, 6);
	if (req->program) {
		snprintf(text, sizeof(text), "Requested by %s", req->program);
		/* Four lines: what pkexec will run is shown whole (up to 600 bytes). */
		add(f,
			layout_new(f, text, 13, PANGO_WEIGHT_NORMAL, 4, PANGO_ELLIPSIZE_END,
				f->inner_width),
			t->on_surface_variant, 10);
	}
	if (req->action) {
		add(f,
			layout_new(f, req->action, 11, PANGO_WEIGHT_NORMAL, 1,
				PANGO_ELLIPSIZE_MIDDLE, f->inner_width),
			t->outline, req->program ? 2 : 10);
	}

	add_text(f, "Authenticate as", 12, PANGO_WEIGHT_NORMAL, 1, t->on_surface_variant, 18);
	double name_width = f->inner_width;
	if (req->n_users > 1) {
		snprintf(text, sizeof(text), "%zu of %zu \xc2\xb7 Tab to change", req->selected + 1,
			req->n_users);
		f->user_hint = layout_new(f, text, 11, PANGO_WEIGHT_NORMAL, 1, PANGO_ELLIPSIZE_END,
			f->inner_width / 2);
		name_width -= layout_width(f->user_hint) + 12;
	}
	f->user_block = f->n_blocks;
	add(f,
		layout_new(f, req->n_users ? req->users[req->selected] : "", 16,
			PANGO_WEIGHT_SEMIBOLD, 1, PANGO_ELLIPSIZE_END, name_width),
		t->on_surface, 2);

	add_text(f, req->question ? req->question : "Password:", 12, PANGO_WEIGHT_NORMAL, 1,
		t->on_surface_variant, 16);
	add(f, NULL, t->on_surface, 6);

	if (warn_focus(state)) {
		add_text(f,
			"\xe2\x9a\xa0 Another window has the keyboard. Do not type your password until this prompt has it.",
			13, PANGO_WEIGHT_BOLD, 3, t->error, 10);
	}
	if (state->caps_lock && state->phase == PHASE_ASKING)
		add_text(f, "Caps Lock is on", 13, PANGO_WEIGHT_SEMIBOLD, 1, t->tertiary, 10);
	if (state->too_long)
		add_text(f, "The answer cannot be longer than 510 bytes", 13, PANGO_WEIGHT_NORMAL,
			2, t->error, 10);
	if (req->error)
		add_text(f, req->error, 13, PANGO_WEIGHT_NORMAL, 6, t->error, 10);
	if (req->info)
		add_text(f, req->info, 13, PANGO_WEIGHT_NORMAL, 6, t->on_surface_variant, 10);
	if (req->onepassword) {
		snprintf(text, sizeof(text), "1Password did not answer: %s", req->onepassword);
		add_text(f, text, 12, PANGO_WEIGHT_NORMAL, 3, t->on_surface_variant, 10);
	}
	const char *keys = press_arming(state) ? "Arming\xe2\x80\xa6 Enter works in a moment"
		: keyboard_shows_fill(state)   ? "Enter to authenticate \xc2\xb7 type to replace"
					       : "Enter to confirm \xc2\xb7 Esc to cancel";
	PangoLayout *footer = layout_new(f, keys, 11, PANGO_WEIGHT_NORMAL, 2, PANGO_ELLIPSIZE_END,
		f->inner_width * 0.45);
	add_block(f, BLOCK_BUTTONS, footer, t->outline, 18);
}

/* The field as 1Password filled it: dots in the accent color and a label. */
static void draw_filled(struct frame *f, double x, double y)
{
	cairo_t *cr = f->cr;
	const struct theme *t = f->theme;
	double mid = y + FIELD_HEIGHT / 2, text_x = x + 16;
	set_color(cr, t->primary, 1);
	for (int i = 0; i < FILLED_DOTS; i++) {
		cairo_arc(cr, text_x + DOT_RADIUS + i * DOT_STEP, mid, DOT_RADIUS, 0, 2 * M_PI);
		cairo_fill(cr);
	}
	PangoLayout *label = layout_new(f, "Filled by 1Password", 12, PANGO_WEIGHT_SEMIBOLD, 1,
		PANGO_ELLIPSIZE_END, f->inner_width / 2);
	cairo_move_to(cr, x + f->inner_width - 14 - layout_width(label),
		mid - layout_height(label) / 2);
	pango_cairo_show_layout(cr, label);
	g_object_unref(label);
}

static void draw_field(struct frame *f, const struct state *state, double x, double y)
{
	cairo_t *cr = f->cr;
	const struct theme *t = f->theme;
	double w = f->inner_width;
	bool asking = state->phase == PHASE_ASKING;

	rounded_rect(cr, x, y, w, FIELD_HEIGHT, FIELD_RADIUS);
	set_color(cr, t->surface_container_highest, 1);
	cairo_fill_preserve(cr);
	bool active = asking && state->has_keyboard;
	set_color(cr, warn_focus(state) ? t->error : active ? t->primary : t->outline, 1);
	cairo_set_line_width(cr, active || warn_focus(state) ? 2 : 1);
	cairo_stroke(cr);

	double text_x = x + 16, mid = y + FIELD_HEIGHT / 2, caret_x = text_x;
	const char *status = NULL;
	if (state->phase == PHASE_CHECKING)
		status = "Checking\xe2\x80\xa6";
	else if (state->phase == PHASE_SWITCHING)
		status = "Switching identity\xe2\x80\xa6";
	else if (asking && state->req.fill == PROMPT_FILL_PENDING && state->typed_chars == 0 &&
		state->echo_len == 0)
		status = "1Password is filling this in\xe2\x80\xa6";
	if (keyboard_shows_fill(state)) {
		draw_filled(f, x, y);
		status = NULL;
		caret_x = text_x + FILLED_DOTS * DOT_STEP;
		goto caret;
	}
	if (status || (asking && state->req.echo)) {
		PangoLayout *layout = layout_new(f, status ? status : state->echo_text, 15,
			PANGO_WEIGHT_NORMAL, 1, PANGO_ELLIPSIZE_START, w - 40);
		set_color(cr, status ? t->on_surface_variant : t->on_surface, 1);
		cairo_move_to(cr, text_x, mid - layout_height(layout) / 2);
		pango_cairo_show_layout(cr, layout);
		caret_x = text_x + layout_width(layout) + 2;
		g_object_unref(layout);
	} else if (asking) {
		size_t fit = (size_t)((w - 40) / DOT_STEP);
		size_t dots = state->typed_chars < fit ? state->typed_chars : fit;
		set_color(cr, t->on_surface, 1);
		for (size_t i = 0; i < dots; i++) {
			cairo_arc(cr, text_x + DOT_RADIUS + (double)i * DOT_STEP, mid, DOT_RADIUS,
				0, 2 * M_PI);
			cairo_fill(cr);
		}
		caret_x = text_x + (double)dots * DOT_STEP;
	}
caret:
	/* No caret without the keyboard: nothing typed now would arrive here. */
	if (active) {
		set_color(cr, t->primary, 1);
		cairo_rectangle(cr, caret_x, mid - 11, 2, 22);
		cairo_fill(cr);
	}
}

/* A button's label centred in its rounded box; its place is where it was drawn. */
enum button_style {
	BUTTON_OUTLINED,
	BUTTON_FILLED,
	BUTTON_GREYED, /* filled, but a press does not count yet */
};

static void draw_button(struct frame *f, const char *label, enum button_style style, double right,
	double y, struct rect *place)
{
	cairo_t *cr = f->cr;
	const struct theme *t = f->theme;
	PangoLayout *layout = layout_new(f, label, 14, PANGO_WEIGHT_SEMIBOLD, 1,
		PANGO_ELLIPSIZE_END, f->inner_width / 2);
	double w = layout_width(layout) + 2 * BUTTON_PAD;
	*place = (struct rect){right - w, y, w, BUTTON_HEIGHT};
	rounded_rect(cr, place->x, y, w, BUTTON_HEIGHT, BUTTON_HEIGHT / 2);
	if (style == BUTTON_FILLED) {
		set_color(cr, t->primary, 1);
		cairo_fill(cr);
		set_color(cr, t->surface_container, 1);
	} else if (style == BUTTON_GREYED) {
		set_color(cr, t->outline_variant, 1);
		cairo_fill(cr);
		set_color(cr, t->on_surface_variant, 1);
	} else {
		set_color(cr, t->outline, 1);
		cairo_set_line_width(cr, 1);
		cairo_stroke(cr);
		set_color(cr, t->primary, 1);
	}
	cairo_move_to(cr, place->x + BUTTON_PAD, y + (BUTTON_HEIGHT - layout_height(layout)) / 2);
	pango_cairo_show_layout(cr, layout);
	g_object_unref(layout);
}

static void draw_buttons(struct frame *f, struct state *state, const struct block *b, double x,
	double y)
{
	set_color(f->cr, b->color, 1);
	cairo_move_to(f->cr, x, y + (BUTTON_HEIGHT - layout_height(b->layout)) / 2);
	pango_cairo_show_layout(f->cr, b->layout);
	double right = x + f->inner_width;
	bool asking = state->phase == PHASE_ASKING;
	state->button_ok = (struct rect){0};
	if (asking)
		draw_button(f, "Authenticate", press_arming(state) ? BUTTON_GREYED : BUTTON_FILLED,
			right, y, &state->button_ok);
	double cancel_right = asking ? state->button_ok.x - 8 : right;
	draw_button(f, "Cancel", BUTTON_OUTLINED, cancel_right, y, &state->button_cancel);
	const struct rect *ok = &state->button_ok;
	if (asking)
		pn_debug("the Authenticate button is at %.0f,%.0f (%.0fx%.0f)", ok->x, ok->y, ok->w,
			ok->h);
}

void render(struct state *state, void *data, uint32_t width, uint32_t height, double scale)
{
	cairo_surface_t *surface = cairo_image_surface_create_for_data(data, CAIRO_FORMAT_ARGB32,
		(int)width, (int)height, (int)width * 4);
	cairo_t *cr = cairo_create(surface);
	const struct theme *t = &state->theme;

	cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
	set_color(cr, t->scrim, BACKDROP_ALPHA);
	cairo_paint(cr);
	cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
	if (!state->have_request)
		goto done;

	cairo_scale(cr, scale, scale);
	double lw = width / scale, lh = height / scale;
	double card_w = fmin(CARD_WIDTH, lw - 2 * CARD_MARGIN);
	if (card_w < 120)
		goto done;

	struct frame f = {.cr = cr, .theme = t, .inner_width = card_w - 2 * PAD};
	f.pango = pango_cairo_create_context(cr);
	cairo_font_options_t *options = cairo_font_options_create();
	cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
	cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_SLIGHT);
	/* Unhinted metrics: the layout does not shift between scales. */
	cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
	pango_cairo_context_set_font_options(f.pango, options);
	cairo_font_options_destroy(options);
	build(&f, state);

	double card_h = 2 * PAD;
	for (size_t i = 0; i < f.n_blocks; i++)
		card_h += f.blocks[i].gap + f.blocks[i].height;
	double card_x = round((lw - card_w) / 2);
	/* Where it first appeared: a line shown or gone below does not move it. */
	double card_y = state->card_top;
	if (state->card_space != lh || card_y + card_h > lh - CARD_MARGIN)
		card_y = round(fmax(CARD_MARGIN, (lh - card_h) / 2));
	state->card_top = card_y;
	state->card_space = lh;

	rounded_rect(cr, card_x, card_y, card_w, card_h, RADIUS);
	set_color(cr, t->surface_container, 1);
	cairo_fill_preserve(cr);
	cairo_clip(cr);

	double x = card_x + PAD, y = card_y + PAD;
	for (size_t i = 0; i < f.n_blocks; i++) {
		struct block *b = &f.blocks[i];
		y += b->gap;
		if (b->kind == BLOCK_FIELD) {
			draw_field(&f, state, x, y);
		} else if (b->kind == BLOCK_BUTTONS) {
			draw_buttons(&f, state, b, x, y);
			g_object_unref(b->layout);
		} else {
			set_color(cr, b->color, 1);
			cairo_move_to(cr, x, y);
			pango_cairo_show_layout(cr, b->layout);
			g_object_unref(b->layout);
		}
		if (i == f.user_block && f.user_hint) {
			set_color(cr, t->outline, 1);
			cairo_move_to(cr, x + f.inner_width - layout_width(f.user_hint),
				y + (b->height - layout_height(f.user_hint)) / 2);
			pango_cairo_show_layout(cr, f.user_hint);
		}
		y += b->height;
	}
	if (f.user_hint)
		g_object_unref(f.user_hint);
	g_object_unref(f.pango);

done:
	cairo_destroy(cr);
	cairo_surface_flush(surface);
	cairo_surface_destroy(surface);
}

void render_warm_up(void)
{
	cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
	cairo_t *cr = cairo_create(surface);
	struct frame f = {.cr = cr, .inner_width = CARD_WIDTH};
	f.pango = pango_cairo_create_context(cr);
	PangoLayout *layout = layout_new(&f, "Authentication required", 13, PANGO_WEIGHT_SEMIBOLD,
		1, PANGO_ELLIPSIZE_END, f.inner_width);
	(void)layout_height(layout);
	g_object_unref(layout);
	g_object_unref(f.pango);
	cairo_destroy(cr);
	cairo_surface_destroy(surface);
}

void render_finish(void)
{
	/* pango's font map holds fontconfig's caches: let go of them at exit. */
	PangoFontMap *map = pango_cairo_font_map_get_default();
	g_object_add_weak_pointer(G_OBJECT(map), (gpointer *)&map);
	pango_cairo_font_map_set_default(NULL);
	if (map) {
		/*
		 * One of pango's font-sorting threads still holds it, and with it
		 * cairo's fonts: resetting cairo now would abort. Exit leaves them.
		 */
		g_object_remove_weak_pointer(G_OBJECT(map), (gpointer *)&map);
		return;
	}
	cairo_debug_reset_static_data();
	FcFini();
}
