/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Management API server (see mgmt.h for the protocol) and the JSON -> text renderer.
 *
 * Every client has a slot holding its state (reading the request, writing the reply, draining
 * until the client closes) and a deadline. All sockets are non-blocking; mgmt_poll() moves every
 * client as far as it can go without waiting. An epoll fd watches the listening socket, the
 * clients (for the event each one waits on) and a timerfd armed at the earliest deadline, so the
 * caller only needs to watch that one fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>

#include <json-c/json.h>

#include "log.h"
#include "mgmt.h"
#include "util.h"

#define MGMT_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define MGMT_SPACES	" \t\r\n\v\f"
#define MGMT_ACCEPT_MAX 64	  /* connections accepted per mgmt_poll() call */
#define MGMT_DRAIN_MAX	(1 << 20) /* bytes discarded per client per mgmt_poll() call */

/* ------------------------------------------------------------------------------------------ */
/* String builder                                                                               */

struct mgmt_buf {
	char *s;
	size_t len;
	size_t cap;
	bool oom;
};

static void mgmt_append_bytes(struct mgmt_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->s, cap);
		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void mgmt_append_str(struct mgmt_buf *b, const char *s)
{
	mgmt_append_bytes(b, s, strlen(s));
}

static void mgmt_append_pad(struct mgmt_buf *b, size_t n)
{
	static const char spaces[] = "                                ";

	while (n > 0) {
		size_t k = PG_MIN(n, sizeof(spaces) - 1);

		mgmt_append_bytes(b, spaces, k);
		n -= k;
	}
}

/* Drop the blanks at the end of the buffer (the end of the line being built). */
static void mgmt_trim_blanks(struct mgmt_buf *b, size_t line_start)
{
	while (!b->oom && b->len > line_start && b->s[b->len - 1] == ' ')
		b->s[--b->len] = '\0';
}

/* Hand over the built string (always non-NULL unless out of memory). */
static char *mgmt_take_string(struct mgmt_buf *b)
{
	if (!b->oom && b->s == NULL)
		mgmt_append_bytes(b, "", 0);
	if (b->oom) {
		free(b->s);
		return NULL;
	}
	return b->s;
}

/* ------------------------------------------------------------------------------------------ */
/* Text rendering                                                                               */

/* A table being rendered: cells[r * n_cols + c], NULL meaning missing or null. */
struct mgmt_table {
	const char *title;
	size_t n_cols;
	size_t n_rows;
	const char **cols;
	struct json_object **cells;
};

static void mgmt_render_object(struct mgmt_buf *b, struct json_object *obj, size_t indent);

static bool mgmt_is_scalar(struct json_object *v)
{
	return !json_object_is_type(v, json_type_object) &&
	       !json_object_is_type(v, json_type_array);
}

static bool mgmt_is_number(struct json_object *v)
{
	return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

/* Display width: UTF-8 code points (continuation bytes do not count). */
static size_t mgmt_text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

/* The shortest %g form that reads back as the same double. */
static void mgmt_append_double(struct mgmt_buf *b, double d)
{
	char tmp[64];

	if (!isfinite(d)) {
		mgmt_append_str(b, isnan(d) ? "nan" : (d > 0 ? "inf" : "-inf"));
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	mgmt_append_str(b, tmp);
}

/* A string with its control characters shown as blanks, so lines and tables stay intact. */
static void mgmt_append_clean(struct mgmt_buf *b, const char *s, size_t n)
{
	size_t start = b->len;

	mgmt_append_bytes(b, s, n);
	if (b->oom)
		return;
	for (size_t i = start; i < b->len; i++)
		if ((unsigned char)b->s[i] < 0x20 || b->s[i] == 0x7f)
			b->s[i] = ' ';
}

static void mgmt_append_json(struct mgmt_buf *b, struct json_object *v)
{
	mgmt_append_str(b, json_object_to_json_string_ext(v, MGMT_JSON_FLAGS));
}

static void mgmt_append_scalar(struct mgmt_buf *b, struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		mgmt_append_str(b, "-");
		break;
	case json_type_string:
		mgmt_append_clean(b, json_object_get_string(v),
				  (size_t)json_object_get_string_len(v));
		break;
	case json_type_double:
		mgmt_append_double(b, json_object_get_double(v));
		break;
	case json_type_int:
	case json_type_boolean:
		mgmt_append_str(b, json_object_get_string(v));
		break;
	default:
		mgmt_append_json(b, v);
		break;
	}
}

static bool mgmt_array_all(struct json_object *arr, bool (*pred)(struct json_object *))
{
	size_t n = json_object_array_length(arr);

	for (size_t i = 0; i < n; i++)
		if (!pred(json_object_array_get_idx(arr, i)))
			return false;
	return true;
}

static bool mgmt_is_object(struct json_object *v)
{
	return json_object_is_type(v, json_type_object);
}

/* Items joined with ", ": scalars as text, the rest as compact JSON. */
static void mgmt_append_list(struct mgmt_buf *b, struct json_object *arr)
{
	size_t n = json_object_array_length(arr);

	if (n == 0)
		mgmt_append_str(b, "-");
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);

		if (i > 0)
			mgmt_append_str(b, ", ");
		if (mgmt_is_scalar(v))
			mgmt_append_scalar(b, v);
		else
			mgmt_append_json(b, v);
	}
}

/* A table cell or a "key: value" value. */
static void mgmt_append_value(struct mgmt_buf *b, struct json_object *v)
{
	if (json_object_is_type(v, json_type_array))
		mgmt_append_list(b, v);
	else if (mgmt_is_scalar(v))
		mgmt_append_scalar(b, v);
	else
		mgmt_append_json(b, v);
}

static char *mgmt_format_cell(struct json_object *v)
{
	struct mgmt_buf b = {0};

	mgmt_append_value(&b, v);
	return mgmt_take_string(&b);
}

/* Right-align a column when every present cell is a number (and there is one). */
static bool mgmt_column_numeric(const struct mgmt_table *t, size_t c)
{
	bool any = false;

	for (size_t r = 0; r < t->n_rows; r++) {
		struct json_object *v = t->cells[r * t->n_cols + c];

		if (v == NULL)
			continue;
		if (!mgmt_is_number(v))
			return false;
		any = true;
	}
	return any;
}

static void mgmt_render_row(struct mgmt_buf *b, const char *const *texts, const size_t *widths,
			    const bool *right, size_t n_cols, size_t indent)
{
	size_t start = b->len;

	mgmt_append_pad(b, indent);
	for (size_t c = 0; c < n_cols; c++) {
		size_t pad = widths[c] - mgmt_text_width(texts[c]);

		if (c > 0)
			mgmt_append_str(b, "  ");
		if (right[c])
			mgmt_append_pad(b, pad);
		mgmt_append_str(b, texts[c]);
		if (!right[c])
			mgmt_append_pad(b, pad);
	}
	mgmt_trim_blanks(b, start);
	mgmt_append_str(b, "\n");
}

/* Format every cell, then emit the header and the rows. */
static void mgmt_render_table(struct mgmt_buf *b, const struct mgmt_table *t, size_t indent)
{
	size_t n_cells = t->n_rows * t->n_cols;
	char **texts = calloc(n_cells + 1, sizeof(*texts));
	size_t *widths = calloc(t->n_cols + 1, sizeof(*widths));
	bool *right = calloc(t->n_cols + 1, sizeof(*right));

	if (texts == NULL || widths == NULL || right == NULL) {
		b->oom = true;
		goto out;
	}
	for (size_t c = 0; c < t->n_cols; c++) {
		widths[c] = mgmt_text_width(t->cols[c]);
		right[c] = mgmt_column_numeric(t, c);
	}
	for (size_t i = 0; i < n_cells; i++) {
		texts[i] = mgmt_format_cell(t->cells[i]);
		if (texts[i] == NULL) {
			b->oom = true;
			goto out;
		}
		widths[i % t->n_cols] = PG_MAX(widths[i % t->n_cols], mgmt_text_width(texts[i]));
	}
	if (t->title != NULL) {
		mgmt_append_pad(b, indent);
		mgmt_append_clean(b, t->title, strlen(t->title));
		mgmt_append_str(b, "\n");
	}
	mgmt_render_row(b, t->cols, widths, right, t->n_cols, indent);
	for (size_t r = 0; r < t->n_rows; r++)
		mgmt_render_row(b, (const char *const *)texts + r * t->n_cols, widths, right,
				t->n_cols, indent);
out:
	for (size_t i = 0; texts != NULL && i < n_cells; i++)
		free(texts[i]);
	free(texts);
	free(widths);
	free(right);
}

static bool mgmt_alloc_table(struct mgmt_table *t, size_t n_cols, size_t n_rows)
{
	t->n_cols = n_cols;
	t->n_rows = n_rows;
	t->cols = calloc(n_cols + 1, sizeof(*t->cols));
	t->cells = calloc(n_cols * n_rows + 1, sizeof(*t->cells));
	return t->cols != NULL && t->cells != NULL;
}

static void mgmt_free_table(struct mgmt_table *t)
{
	free(t->cols);
	free(t->cells);
}

static struct json_object *mgmt_get_key(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

/* {"title": "..", "columns": [..], "rows": [..]} */
static bool mgmt_is_table_spec(struct json_object *v)
{
	struct json_object *title;

	if (!mgmt_is_object(v))
		return false;
	title = mgmt_get_key(v, "title");
	return json_object_is_type(mgmt_get_key(v, "columns"), json_type_array) &&
	       json_object_is_type(mgmt_get_key(v, "rows"), json_type_array) &&
	       (title == NULL || json_object_is_type(title, json_type_string));
}

static bool mgmt_is_tables_spec(struct json_object *v)
{
	return json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0 &&
	       mgmt_array_all(v, mgmt_is_table_spec);
}

static struct json_object *mgmt_get_cell(struct json_object *row, size_t c, const char *col)
{
	if (json_object_is_type(row, json_type_array))
		return c < json_object_array_length(row) ? json_object_array_get_idx(row, c) : NULL;
	if (mgmt_is_object(row))
		return mgmt_get_key(row, col);
	return c == 0 ? row : NULL;
}

static void mgmt_render_table_spec(struct mgmt_buf *b, struct json_object *spec, size_t indent)
{
	struct json_object *cols = mgmt_get_key(spec, "columns");
	struct json_object *rows = mgmt_get_key(spec, "rows");
	struct json_object *title = mgmt_get_key(spec, "title");
	struct mgmt_table t = {.title = title ? json_object_get_string(title) : NULL};

	if (!mgmt_alloc_table(&t, json_object_array_length(cols), json_object_array_length(rows))) {
		b->oom = true;
		goto out;
	}
	for (size_t c = 0; c < t.n_cols; c++) {
		struct json_object *name = json_object_array_get_idx(cols, c);

		t.cols[c] = name ? json_object_get_string(name) : "-";
	}
	for (size_t r = 0; r < t.n_rows; r++)
		for (size_t c = 0; c < t.n_cols; c++)
			t.cells[r * t.n_cols + c] =
			    mgmt_get_cell(json_object_array_get_idx(rows, r), c, t.cols[c]);
	mgmt_render_table(b, &t, indent);
out:
	mgmt_free_table(&t);
}

/* Columns: the union of the objects' keys, in first-seen order. */
static size_t mgmt_collect_keys(struct json_object *arr, const char **keys)
{
	size_t n_keys = 0;

	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object_object_foreach(json_object_array_get_idx(arr, i), key, val)
		{
			size_t k = 0;

			(void)val;
			while (k < n_keys && strcmp(keys[k], key) != 0)
				k++;
			if (k == n_keys && keys != NULL)
				keys[n_keys] = key;
			n_keys += k == n_keys;
		}
	}
	return n_keys;
}

/* An array of objects as a table. */
static void mgmt_render_object_array(struct mgmt_buf *b, struct json_object *arr, size_t indent)
{
	size_t n_rows = json_object_array_length(arr);
	size_t n_keys = 0;
	struct mgmt_table t = {0};

	for (size_t i = 0; i < n_rows; i++)
		n_keys += (size_t)json_object_object_length(json_object_array_get_idx(arr, i));
	if (!mgmt_alloc_table(&t, n_keys, n_rows)) {
		b->oom = true;
		goto out;
	}
	t.n_cols = mgmt_collect_keys(arr, t.cols);
	for (size_t r = 0; r < t.n_rows; r++)
		for (size_t c = 0; c < t.n_cols; c++)
			t.cells[r * t.n_cols + c] =
			    mgmt_get_key(json_object_array_get_idx(arr, r), t.cols[c]);
	mgmt_render_table(b, &t, indent);
out:
	mgmt_free_table(&t);
}

static void mgmt_render_key(struct mgmt_buf *b, const char *key, size_t indent)
{
	mgmt_append_pad(b, indent);
	mgmt_append_clean(b, key, strlen(key));
	mgmt_append_str(b, ":");
}

/* One "key: value" entry (possibly several lines). */
static void mgmt_render_entry(struct mgmt_buf *b, const char *key, struct json_object *v,
			      size_t indent)
{
	size_t start = b->len;

	mgmt_render_key(b, key, indent);
	if (mgmt_is_object(v) && json_object_object_length(v) > 0) {
		mgmt_append_str(b, "\n");
		mgmt_render_object(b, v, indent + 2);
	} else if (json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0 &&
		   mgmt_array_all(v, mgmt_is_object)) {
		mgmt_append_str(b, "\n");
		mgmt_render_object_array(b, v, indent + 2);
	} else {
		mgmt_append_str(b, " ");
		if (mgmt_is_object(v))
			mgmt_append_str(b, "-");
		else
			mgmt_append_value(b, v);
		mgmt_trim_blanks(b, start);
		mgmt_append_str(b, "\n");
	}
}

/* The "table" / "tables" keys of an object, when they hold table specs. */
static bool mgmt_render_tables(struct mgmt_buf *b, const char *key, struct json_object *v,
			       size_t indent, bool *sep)
{
	bool one = strcmp(key, "table") == 0 && mgmt_is_table_spec(v);
	bool many = strcmp(key, "tables") == 0 && mgmt_is_tables_spec(v);
	size_t n = many ? json_object_array_length(v) : 1;

	if (!one && !many)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (*sep)
			mgmt_append_str(b, "\n");
		mgmt_render_table_spec(b, many ? json_object_array_get_idx(v, i) : v, indent);
		*sep = true;
	}
	return true;
}

static void mgmt_render_object(struct mgmt_buf *b, struct json_object *obj, size_t indent)
{
	bool sep = false;	/* something was output: a table needs a blank line first */
	bool after_tab = false; /* the last thing output was a table */

	json_object_object_foreach(obj, key, val)
	{
		if (mgmt_render_tables(b, key, val, indent, &sep)) {
			after_tab = true;
			continue;
		}
		if (after_tab)
			mgmt_append_str(b, "\n");
		mgmt_render_entry(b, key, val, indent);
		sep = true;
		after_tab = false;
	}
}

static void mgmt_render_data(struct mgmt_buf *b, struct json_object *data)
{
	if (mgmt_is_object(data)) {
		mgmt_render_object(b, data, 0);
	} else if (json_object_is_type(data, json_type_array) &&
		   json_object_array_length(data) > 0 && mgmt_array_all(data, mgmt_is_object)) {
		mgmt_render_object_array(b, data, 0);
	} else {
		size_t start = b->len;

		mgmt_append_value(b, data);
		mgmt_trim_blanks(b, start);
		mgmt_append_str(b, "\n");
	}
}

/* {"ok": true[, "data": X]} or {"ok": false, "error": ".."}, nothing else. */
static bool mgmt_is_envelope(struct json_object *reply)
{
	struct json_object *ok = mgmt_get_key(reply, "ok");
	int n;

	if (!mgmt_is_object(reply) || !json_object_is_type(ok, json_type_boolean))
		return false;
	n = json_object_object_length(reply);
	if (json_object_get_boolean(ok))
		return n == 1 || (n == 2 && json_object_object_get_ex(reply, "data", NULL));
	return n == 2 && json_object_is_type(mgmt_get_key(reply, "error"), json_type_string);
}

char *mgmt_render_text(struct json_object *reply)
{
	struct mgmt_buf b = {0};

	if (!mgmt_is_envelope(reply)) {
		mgmt_render_data(&b, reply);
	} else if (!json_object_get_boolean(mgmt_get_key(reply, "ok"))) {
		mgmt_append_str(&b, "error: ");
		mgmt_append_str(&b, json_object_get_string(mgmt_get_key(reply, "error")));
		mgmt_append_str(&b, "\n");
	} else if (json_object_object_get_ex(reply, "data", NULL)) {
		mgmt_render_data(&b, mgmt_get_key(reply, "data"));
	}
	return mgmt_take_string(&b);
}

/* ------------------------------------------------------------------------------------------ */
/* Command registry                                                                             */

struct mgmt_cmd {
	char *prefix; /* words joined by one blank */
	size_t n_words;
	char *help;
	mgmt_handler_fn fn;
};

static struct {
	struct mgmt_cmd *cmds;
	size_t n_cmds;
	size_t cap;
} mgmt_reg;

/* Split s (modified in place) on whitespace; words must hold strlen(s) / 2 + 2 entries. */
static size_t mgmt_split_words(char *s, char **words)
{
	size_t n = 0;
	char *save = NULL;

	for (char *w = strtok_r(s, MGMT_SPACES, &save); w; w = strtok_r(NULL, MGMT_SPACES, &save))
		words[n++] = w;
	words[n] = NULL;
	return n;
}

/* Words joined by one blank, malloc'ed; *n_words set. NULL when out of memory. */
static char *mgmt_normalize_words(const char *s, size_t *n_words)
{
	char *copy = strdup(s);
	char **words = calloc(strlen(s) / 2 + 2, sizeof(*words));
	struct mgmt_buf b = {0};

	if (copy == NULL || words == NULL) {
		b.oom = true;
		goto out;
	}
	*n_words = mgmt_split_words(copy, words);
	for (size_t i = 0; i < *n_words; i++) {
		if (i > 0)
			mgmt_append_str(&b, " ");
		mgmt_append_str(&b, words[i]);
	}
out:
	free(copy);
	free(words);
	return mgmt_take_string(&b);
}

static struct mgmt_cmd *mgmt_find_exact(const char *prefix)
{
	for (size_t i = 0; i < mgmt_reg.n_cmds; i++)
		if (strcmp(mgmt_reg.cmds[i].prefix, prefix) == 0)
			return &mgmt_reg.cmds[i];
	return NULL;
}

static int mgmt_add_command(const char *prefix, const char *help, mgmt_handler_fn fn);

static struct json_object *mgmt_cmd_help(int argc, char **argv, char *err, size_t errlen);
static struct json_object *mgmt_cmd_ping(int argc, char **argv, char *err, size_t errlen);

static int mgmt_add_builtins(void)
{
	int rc = 0;

	if (mgmt_reg.n_cmds > 0)
		return 0;
	rc = mgmt_add_command("help", "help [WORDS...]: list the commands (starting with WORDS)",
			      mgmt_cmd_help);
	if (rc == 0)
		rc = mgmt_add_command("ping", "ping: check that the daemon answers", mgmt_cmd_ping);
	return rc;
}

static int mgmt_add_command(const char *prefix, const char *help, mgmt_handler_fn fn)
{
	struct mgmt_cmd cmd = {.fn = fn};

	if (mgmt_reg.n_cmds == mgmt_reg.cap) {
		size_t cap = mgmt_reg.cap ? mgmt_reg.cap * 2 : 32;
		struct mgmt_cmd *p = realloc(mgmt_reg.cmds, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		mgmt_reg.cmds = p;
		mgmt_reg.cap = cap;
	}
	cmd.prefix = mgmt_normalize_words(prefix, &cmd.n_words);
	cmd.help = strdup(help ? help : "");
	if (cmd.prefix == NULL || cmd.help == NULL) {
		free(cmd.prefix);
		free(cmd.help);
		return -ENOMEM;
	}
	if (cmd.n_words == 0 || mgmt_find_exact(cmd.prefix) != NULL) {
		int rc = cmd.n_words == 0 ? -EINVAL : -EEXIST;

		free(cmd.prefix);
		free(cmd.help);
		return rc;
	}
	mgmt_reg.cmds[mgmt_reg.n_cmds++] = cmd;
	return 0;
}

int mgmt_register(const char *prefix, const char *help, mgmt_handler_fn fn)
{
	int rc;

	if (prefix == NULL || fn == NULL)
		return -EINVAL;
	rc = mgmt_add_builtins();
	if (rc == 0)
		rc = mgmt_add_command(prefix, help, fn);
	if (rc < 0)
		LOG_ERR("mgmt: cannot register command '%s': %s", prefix, strerror(-rc));
	return rc;
}

static void mgmt_clear_commands(void)
{
	for (size_t i = 0; i < mgmt_reg.n_cmds; i++) {
		free(mgmt_reg.cmds[i].prefix);
		free(mgmt_reg.cmds[i].help);
	}
	free(mgmt_reg.cmds);
	memset(&mgmt_reg, 0, sizeof(mgmt_reg));
}

/* Does the word prefix p start the normalized command line? */
static bool mgmt_match_prefix(const char *p, const char *line)
{
	size_t n = strlen(p);

	return strncmp(p, line, n) == 0 && (line[n] == '\0' || line[n] == ' ');
}

/* The longest registered word prefix of the normalized command line. */
static const struct mgmt_cmd *mgmt_find_command(const char *line)
{
	const struct mgmt_cmd *best = NULL;

	for (size_t i = 0; i < mgmt_reg.n_cmds; i++) {
		const struct mgmt_cmd *c = &mgmt_reg.cmds[i];

		if (mgmt_match_prefix(c->prefix, line) &&
		    (best == NULL || c->n_words > best->n_words))
			best = c;
	}
	return best;
}

static int mgmt_compare_cmds(const void *a, const void *b)
{
	const struct mgmt_cmd *const *x = a, *const *y = b;

	return strcmp((*x)->prefix, (*y)->prefix);
}

static struct json_object *mgmt_build_help_row(const struct mgmt_cmd *c)
{
	struct json_object *row = json_object_new_array();

	json_object_array_add(row, json_object_new_string(c->prefix));
	json_object_array_add(row, json_object_new_string(c->help));
	return row;
}

static struct json_object *mgmt_build_help_table(const struct mgmt_cmd **sorted, size_t n)
{
	struct json_object *table = json_object_new_object();
	struct json_object *cols = json_object_new_array();
	struct json_object *rows = json_object_new_array();
	struct json_object *data = json_object_new_object();

	json_object_array_add(cols, json_object_new_string("Command"));
	json_object_array_add(cols, json_object_new_string("Help"));
	for (size_t i = 0; i < n; i++)
		json_object_array_add(rows, mgmt_build_help_row(sorted[i]));
	json_object_object_add(table, "title", json_object_new_string("Commands"));
	json_object_object_add(table, "columns", cols);
	json_object_object_add(table, "rows", rows);
	json_object_object_add(data, "table", table);
	return data;
}

/* help [WORDS...]: the commands whose prefix starts with WORDS (word-wise), sorted. */
static struct json_object *mgmt_cmd_help(int argc, char **argv, char *err, size_t errlen)
{
	const struct mgmt_cmd **sorted = calloc(mgmt_reg.n_cmds + 1, sizeof(*sorted));
	struct mgmt_buf filter = {0};
	struct json_object *data = NULL;
	size_t n = 0;

	for (int i = 0; i < argc; i++) {
		mgmt_append_str(&filter, i > 0 ? " " : "");
		mgmt_append_str(&filter, argv[i]);
	}
	if (sorted == NULL || filter.oom) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < mgmt_reg.n_cmds; i++) {
		const char *p = mgmt_reg.cmds[i].prefix;

		if (argc == 0 || mgmt_match_prefix(filter.s, p) || mgmt_match_prefix(p, filter.s))
			sorted[n++] = &mgmt_reg.cmds[i];
	}
	if (n == 0) {
		snprintf(err, errlen, "no command matches '%s' (try 'help')",
			 filter.s ? filter.s : "");
		goto out;
	}
	qsort(sorted, n, sizeof(*sorted), mgmt_compare_cmds);
	data = mgmt_build_help_table(sorted, n);
out:
	free(sorted);
	free(filter.s);
	return data;
}

static struct json_object *mgmt_cmd_ping(int argc, char **argv, char *err, size_t errlen)
{
	struct json_object *data = json_object_new_object();

	(void)argc;
	(void)argv;
	(void)err;
	(void)errlen;

	json_object_object_add(data, "pong", json_object_new_boolean(1));
	return data;
}

/* ------------------------------------------------------------------------------------------ */
/* Requests                                                                                     */

enum mgmt_format { MGMT_FMT_JSON = 0, MGMT_FMT_TEXT };

/* Run the command line; returns the data or NULL with err set. */
static struct json_object *mgmt_run_command(const char *command, char *err, size_t errlen)
{
	char *copy = strdup(command);
	char **words = calloc(strlen(command) / 2 + 2, sizeof(*words));
	size_t n_words = copy && words ? mgmt_split_words(copy, words) : 0;
	size_t n_line = 0;
	char *line = mgmt_normalize_words(command, &n_line);
	const struct mgmt_cmd *cmd = line ? mgmt_find_command(line) : NULL;
	struct json_object *data = NULL;

	err[0] = '\0';
	if (copy == NULL || words == NULL || line == NULL)
		snprintf(err, errlen, "out of memory");
	else if (n_words == 0)
		snprintf(err, errlen, "empty command (try 'help')");
	else if (cmd == NULL)
		snprintf(err, errlen, "unknown command '%s' (try 'help')", line);
	else
		data = cmd->fn((int)(n_words - cmd->n_words), words + cmd->n_words, err, errlen);
	if (data == NULL && err[0] == '\0')
		snprintf(err, errlen, "command failed");
	free(copy);
	free(words);
	free(line);
	return data;
}

/* Check that the line is one JSON object (blanks around it allowed). */
static struct json_object *mgmt_parse_json(const char *line, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t end;

	if (tok == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, line, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (end < len && strchr(MGMT_SPACES, line[end]) != NULL && line[end] != '\0')
		end++;
	if (jerr != json_tokener_success || end != len) {
		snprintf(err, errlen, "malformed request: %s",
			 jerr == json_tokener_success	 ? "trailing data after the JSON object"
			 : jerr == json_tokener_continue ? "incomplete JSON"
							 : json_tokener_error_desc(jerr));
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* Parse a request line into its command (malloc'ed) and format. */
static char *mgmt_parse_request(const char *line, size_t len, enum mgmt_format *fmt, char *err,
				size_t errlen)
{
	struct json_object *req = mgmt_parse_json(line, len, err, errlen);
	struct json_object *command, *format;
	char *out = NULL;

	if (req == NULL)
		return NULL;
	command = mgmt_get_key(req, "command");
	format = mgmt_get_key(req, "format");
	if (!mgmt_is_object(req))
		snprintf(err, errlen, "malformed request: not a JSON object");
	else if (!json_object_is_type(command, json_type_string))
		snprintf(err, errlen, "malformed request: \"command\" must be a string");
	else if (format != NULL && !json_object_is_type(format, json_type_string))
		snprintf(err, errlen, "malformed request: \"format\" must be \"json\" or \"text\"");
	else if (format != NULL && strcmp(json_object_get_string(format), "text") == 0)
		*fmt = MGMT_FMT_TEXT;
	else if (format != NULL && strcmp(json_object_get_string(format), "json") != 0)
		snprintf(err, errlen, "malformed request: \"format\" must be \"json\" or \"text\"");
	if (err[0] == '\0' && (out = strdup(json_object_get_string(command))) == NULL)
		snprintf(err, errlen, "out of memory");
	json_object_put(req);
	return out;
}

static struct json_object *mgmt_build_envelope(struct json_object *data, const char *err)
{
	struct json_object *reply = json_object_new_object();

	json_object_object_add(reply, "ok", json_object_new_boolean(data != NULL));
	if (data != NULL)
		json_object_object_add(reply, "data", data);
	else
		json_object_object_add(reply, "error", json_object_new_string(err));
	return reply;
}

/* The reply bytes for an envelope, malloc'ed; takes the envelope. */
static char *mgmt_serialize_reply(struct json_object *reply, enum mgmt_format fmt, size_t *len)
{
	char *out = NULL;

	if (reply != NULL && fmt == MGMT_FMT_TEXT) {
		out = mgmt_render_text(reply);
	} else if (reply != NULL) {
		size_t n = 0;
		const char *s = json_object_to_json_string_length(reply, MGMT_JSON_FLAGS, &n);

		out = s ? malloc(n + 2) : NULL;
		if (out != NULL) {
			memcpy(out, s, n);
			memcpy(out + n, "\n", 2);
		}
	}
	json_object_put(reply);
	*len = out ? strlen(out) : 0;
	return out;
}

/* Serve one request line: the reply bytes (malloc'ed), NULL when out of memory. */
static char *mgmt_handle_request(const char *line, size_t len, size_t *out_len)
{
	enum mgmt_format fmt = MGMT_FMT_JSON;
	char err[512] = "";
	char *command = mgmt_parse_request(line, len, &fmt, err, sizeof(err));
	struct json_object *data = NULL;

	if (command != NULL) {
		LOG_DEBUG("mgmt: command '%s'", command);
		data = mgmt_run_command(command, err, sizeof(err));
	}
	free(command);
	return mgmt_serialize_reply(mgmt_build_envelope(data, err), fmt, out_len);
}

/* An error reply in JSON (the format of a request that could not be read is unknown). */
static char *mgmt_build_error(const char *msg, size_t *out_len)
{
	return mgmt_serialize_reply(mgmt_build_envelope(NULL, msg), MGMT_FMT_JSON, out_len);
}

/* ------------------------------------------------------------------------------------------ */
/* Server                                                                                       */

enum mgmt_state { MGMT_ST_FREE = 0, MGMT_ST_READ, MGMT_ST_WRITE, MGMT_ST_DRAIN };

struct mgmt_client {
	enum mgmt_state state;
	int fd;
	uint32_t events; /* what epoll watches for this fd */
	uint64_t deadline_ms;
	char *in; /* MGMT_REQUEST_MAX bytes, while reading */
	size_t in_len;
	char *out; /* the reply, while writing */
	size_t out_len;
	size_t out_off;
};

static struct {
	int lfd;
	int epfd;
	int tfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct mgmt_client clients[MGMT_CLIENTS_MAX];
} mgmt = {.lfd = -1, .epfd = -1, .tfd = -1};

static uint64_t mgmt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void mgmt_watch_client(struct mgmt_client *c, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = c};

	if (c->events == events)
		return;
	if (epoll_ctl(mgmt.epfd, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &ev) < 0)
		LOG_WARN("mgmt: epoll_ctl: %s", strerror(errno));
	c->events = events;
}

static void mgmt_close_client(struct mgmt_client *c)
{
	/* Explicitly: a forked child holding a copy of the fd would keep it in the set. */
	if (c->events != 0 && epoll_ctl(mgmt.epfd, EPOLL_CTL_DEL, c->fd, NULL) < 0)
		LOG_WARN("mgmt: epoll_ctl del: %s", strerror(errno));
	close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Switch to sending the reply (taking it); a NULL reply (out of memory) drops the client. */
static void mgmt_start_reply(struct mgmt_client *c, char *reply, size_t len, uint64_t now)
{
	free(c->in);
	c->in = NULL;
	if (reply == NULL) {
		LOG_WARN("mgmt: out of memory building a reply");
		mgmt_close_client(c);
		return;
	}
	c->out = reply;
	c->out_len = len;
	c->out_off = 0;
	c->state = MGMT_ST_WRITE;
	c->deadline_ms = now + MGMT_WRITE_TIMEOUT_MS;
	mgmt_watch_client(c, EPOLLOUT);
}

static void mgmt_reply_error(struct mgmt_client *c, const char *msg, uint64_t now)
{
	size_t len = 0;
	char *reply = mgmt_build_error(msg, &len);

	mgmt_start_reply(c, reply, len, now);
}

static void mgmt_serve_request(struct mgmt_client *c, size_t len, uint64_t now)
{
	size_t out_len = 0;
	char *reply = mgmt_handle_request(c->in, len, &out_len);

	mgmt_start_reply(c, reply, out_len, now);
}

/* Read what is available; serve the request once complete. */
static void mgmt_read_request(struct mgmt_client *c, uint64_t now)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->in_len, MGMT_REQUEST_MAX - c->in_len, 0);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0 || (n == 0 && c->in_len == 0)) {
			mgmt_close_client(c);
			return;
		}
		if (n == 0) { /* half-closed: take what came as the request */
			mgmt_serve_request(c, c->in_len, now);
			return;
		}
		nl = memchr(c->in + c->in_len, '\n', (size_t)n);
		c->in_len += (size_t)n;
		if (nl != NULL) {
			mgmt_serve_request(c, (size_t)(nl - c->in), now);
			return;
		}
		if (c->in_len == MGMT_REQUEST_MAX) {
			mgmt_reply_error(c, "request too large (the limit is 65536 bytes)", now);
			return;
		}
	}
	if (now >= c->deadline_ms)
		mgmt_reply_error(c, "timed out waiting for the request", now);
}

static void mgmt_start_drain(struct mgmt_client *c, uint64_t now)
{
	free(c->out);
	c->out = NULL;
	shutdown(c->fd, SHUT_WR);
	c->state = MGMT_ST_DRAIN;
	c->deadline_ms = now + MGMT_DRAIN_TIMEOUT_MS;
	mgmt_watch_client(c, EPOLLIN);
}

/* Push what the socket takes; then wait for the client to close. */
static void mgmt_write_reply(struct mgmt_client *c, uint64_t now)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			mgmt_close_client(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len) {
		mgmt_start_drain(c, now);
	} else if (now >= c->deadline_ms) {
		LOG_WARN("mgmt: client did not take its reply in time (%zu of %zu bytes sent)",
			 c->out_off, c->out_len);
		mgmt_close_client(c);
	}
}

/*
 * Discard what the client still sends until it closes: closing a socket with unread data
 * resets the connection, which can destroy the reply before the client has read it.
 */
static void mgmt_drain_client(struct mgmt_client *c, uint64_t now)
{
	char buf[4096];
	size_t total = 0;

	while (total < MGMT_DRAIN_MAX) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			mgmt_close_client(c);
			return;
		}
		total += (size_t)n;
	}
	if (now >= c->deadline_ms)
		mgmt_close_client(c);
}

static void mgmt_serve_client(struct mgmt_client *c, uint64_t now)
{
	if (c->state == MGMT_ST_READ)
		mgmt_read_request(c, now);
	if (c->state == MGMT_ST_WRITE)
		mgmt_write_reply(c, now);
	if (c->state == MGMT_ST_DRAIN)
		mgmt_drain_client(c, now);
}

static struct mgmt_client *mgmt_find_free_slot(void)
{
	for (size_t i = 0; i < MGMT_CLIENTS_MAX; i++)
		if (mgmt.clients[i].state == MGMT_ST_FREE)
			return &mgmt.clients[i];
	return NULL;
}

/* No slot left: tell the client, best effort, and hang up. */
static void mgmt_reject_client(int fd)
{
	size_t len = 0;
	char *reply = mgmt_build_error("server busy, try again", &len);

	if (reply != NULL && send(fd, reply, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		LOG_DEBUG("mgmt: cannot send busy reply: %s", strerror(errno));
	free(reply);
	shutdown(fd, SHUT_WR);
	close(fd);
}

static void mgmt_add_client(int fd, uint64_t now)
{
	struct mgmt_client *c = mgmt_find_free_slot();

	if (c == NULL) {
		LOG_WARN("mgmt: too many clients (%d), rejecting one", MGMT_CLIENTS_MAX);
		mgmt_reject_client(fd);
		return;
	}
	c->in = malloc(MGMT_REQUEST_MAX);
	if (c->in == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->state = MGMT_ST_READ;
	c->deadline_ms = now + MGMT_READ_TIMEOUT_MS;
	c->events = 0;
	mgmt_watch_client(c, EPOLLIN);
}

static void mgmt_accept_clients(uint64_t now)
{
	for (int i = 0; i < MGMT_ACCEPT_MAX; i++) {
		int fd = accept4(mgmt.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				LOG_WARN("mgmt: accept: %s", strerror(errno));
			return;
		}
		mgmt_add_client(fd, now);
	}
}

/* Arm the timer at the earliest client deadline (disarm when there is no client). */
static void mgmt_arm_timer(void)
{
	struct itimerspec its = {0};
	uint64_t first = UINT64_MAX;

	for (size_t i = 0; i < MGMT_CLIENTS_MAX; i++)
		if (mgmt.clients[i].state != MGMT_ST_FREE)
			first = PG_MIN(first, mgmt.clients[i].deadline_ms);
	if (first != UINT64_MAX) {
		its.it_value.tv_sec = (time_t)(first / 1000);
		its.it_value.tv_nsec = (long)(first % 1000) * 1000000 + 1; /* never all zero */
	}
	if (timerfd_settime(mgmt.tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		LOG_WARN("mgmt: timerfd_settime: %s", strerror(errno));
}

void mgmt_poll(void)
{
	uint64_t expirations;
	uint64_t now = mgmt_now_ms();

	if (mgmt.lfd < 0)
		return;
	if (read(mgmt.tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		LOG_DEBUG("mgmt: timerfd read: %s", strerror(errno));
	mgmt_accept_clients(now);
	for (size_t i = 0; i < MGMT_CLIENTS_MAX; i++)
		if (mgmt.clients[i].state != MGMT_ST_FREE)
			mgmt_serve_client(&mgmt.clients[i], now);
	mgmt_arm_timer();
}

int mgmt_fd(void)
{
	return mgmt.epfd;
}

/* mkdir -p of the directory holding path. */
static int mgmt_make_parent(const char *path)
{
	char dir[sizeof(mgmt.path)];
	char *slash;

	pg_strlcpy(dir, path, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; p <= slash; p++) {
		char saved = *p;

		if (saved != '/' && saved != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) == 0) {
			chmod(dir, 0755); /* whatever the umask */
		} else if (errno != EEXIST) {
			int rc = -errno;

			LOG_ERR("mgmt: cannot create directory %s: %s", dir, strerror(errno));
			return rc;
		}
		*p = saved;
	}
	return 0;
}

static void mgmt_fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	pg_strlcpy(sa->sun_path, path, sizeof(sa->sun_path));
}

/* Remove a socket file nobody listens on; refuse a live socket or another kind of file. */
static int mgmt_remove_stale(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		LOG_ERR("mgmt: %s exists and is not a socket", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	mgmt_fill_addr(&sa, path);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN ? -EADDRINUSE
										     : 0;
	close(fd);
	if (rc < 0) {
		LOG_ERR("mgmt: %s is in use (is another instance running?)", path);
		return rc;
	}
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int mgmt_open_socket(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	mgmt_fill_addr(&sa, path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0660) < 0 ||
	    listen(fd, MGMT_CLIENTS_MAX) < 0) {
		int rc = -errno;

		LOG_ERR("mgmt: cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return rc;
	}
	return fd;
}

static void mgmt_close_all(void);

static int mgmt_add_watch(int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};

	return epoll_ctl(mgmt.epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int mgmt_open_poller(void)
{
	mgmt.epfd = epoll_create1(EPOLL_CLOEXEC);
	mgmt.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (mgmt.epfd < 0 || mgmt.tfd < 0)
		return -errno;
	if (mgmt_add_watch(mgmt.lfd) < 0 || mgmt_add_watch(mgmt.tfd) < 0)
		return -errno;
	return 0;
}

int mgmt_init(const char *socket_path)
{
	int rc;

	if (mgmt.lfd >= 0)
		return -EBUSY;
	if (socket_path == NULL || socket_path[0] == '\0') {
		LOG_ERR("mgmt: no socket path");
		return -EINVAL;
	}
	if (pg_strlcpy(mgmt.path, socket_path, sizeof(mgmt.path)) < 0) {
		LOG_ERR("mgmt: socket path too long (at most %zu bytes): %s", sizeof(mgmt.path) - 1,
			socket_path);
		mgmt.path[0] = '\0';
		return -ENAMETOOLONG;
	}
	for (size_t i = 0; i < MGMT_CLIENTS_MAX; i++)
		mgmt.clients[i].fd = -1;
	rc = mgmt_add_builtins();
	if (rc == 0)
		rc = mgmt_make_parent(socket_path);
	if (rc == 0)
		rc = mgmt_remove_stale(socket_path);
	if (rc == 0)
		rc = mgmt.lfd = mgmt_open_socket(socket_path);
	if (rc >= 0)
		rc = mgmt_open_poller();
	if (rc < 0) {
		LOG_ERR("mgmt: cannot start the management socket %s: %s", socket_path,
			strerror(-rc));
		mgmt_close_all();
		return rc;
	}
	LOG_INFO("mgmt: listening on %s", socket_path);
	return 0;
}

static void mgmt_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Everything but the registered commands. */
static void mgmt_close_all(void)
{
	for (size_t i = 0; i < MGMT_CLIENTS_MAX; i++)
		if (mgmt.clients[i].state != MGMT_ST_FREE)
			mgmt_close_client(&mgmt.clients[i]);
	if (mgmt.lfd >= 0 && mgmt.path[0] != '\0')
		unlink(mgmt.path);
	mgmt_close_fd(&mgmt.lfd);
	mgmt_close_fd(&mgmt.epfd);
	mgmt_close_fd(&mgmt.tfd);
	mgmt.path[0] = '\0';
}

void mgmt_fini(void)
{
	mgmt_close_all();
	mgmt_clear_commands();
}
