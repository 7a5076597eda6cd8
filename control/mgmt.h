/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Management API: a Unix stream socket served by the control thread, and the text renderer that
 * peregrinectl's plain-text output comes from. No threads, never blocks the caller.
 *
 * Wire protocol (one request per connection):
 *
 *   1. The client connects to the socket (default /run/peregrine/peregrine.sock).
 *   2. It sends ONE request: a JSON object on a single line, terminated by "\n":
 *          {"command": "show route vrf red", "format": "json"}
 *      "command" (string, required): words separated by whitespace.
 *      "format" (string, optional): "json" (default) or "text".
 *      The whole line, newline included, must fit in MGMT_REQUEST_MAX bytes. If the client
 *      half-closes (shutdown(SHUT_WR)) before sending "\n", what it sent is taken as the request.
 *   3. The server answers and then closes its side:
 *      - format "json": ONE JSON object followed by "\n":
 *            {"ok": true, "data": <handler result>}   or   {"ok": false, "error": "message"}
 *      - format "text": the reply rendered by mgmt_render_text(); an error is "error: message\n".
 *        (A client tells the two apart by the "error: " prefix of the first line.)
 *   Requests that are too large, not JSON, not an object or lack "command" get an error reply
 *   (in JSON, as the format is unknown). A client that sends nothing within
 *   MGMT_READ_TIMEOUT_MS gets an error reply and is closed; a client that does not read its
 *   reply within MGMT_WRITE_TIMEOUT_MS is dropped. At most MGMT_CLIENTS_MAX clients are served
 *   at once; the next ones get a "server busy" error.
 *
 * Commands are registered by word prefix; the longest registered prefix of the request's words
 * wins ("show route summary" beats "show route"; "show routes" matches neither). Built-ins:
 * "help [WORDS...]" (the registered commands, optionally only those starting with WORDS) and
 * "ping" ({"pong": true}).
 *
 * Event loop integration: mgmt_fd() is readable whenever mgmt_poll() has work to do (a new
 * client, a client's data or buffer space, an expired client deadline). It is an epoll fd that
 * aggregates the listening socket, the client sockets and a deadline timerfd, so add it to the
 * caller's epoll with EPOLLIN (level-triggered) and call mgmt_poll() when it fires. Calling
 * mgmt_poll() at other times (e.g. periodically) is harmless. mgmt_poll() only does
 * non-blocking I/O; its run time is that of the handlers it calls.
 */

#include <stddef.h>

struct json_object;

#define MGMT_REQUEST_MAX      65536 /* bytes, request line including its "\n" */
#define MGMT_CLIENTS_MAX      32    /* clients served concurrently */
#define MGMT_READ_TIMEOUT_MS  2000  /* from accept to a complete request */
#define MGMT_WRITE_TIMEOUT_MS 5000  /* to push the whole reply */
#define MGMT_DRAIN_TIMEOUT_MS 500   /* after the reply, waiting for the client to close */
#define MGMT_SOCKET_DEFAULT   "/run/peregrine/peregrine.sock"

/*
 * A command handler. argc/argv are the request words after the matched prefix (argv[argc] is
 * NULL; the strings may be modified, they live until the handler returns). Returns the reply
 * data (ownership passes to the caller), or NULL with a message in err (-> error reply; an
 * empty err becomes "command failed").
 */
typedef struct json_object *(*mgmt_handler_fn)(int argc, char **argv, char *err, size_t errlen);

/*
 * Register a command by its word prefix, e.g. "show route" (whitespace is normalised). help is a
 * one-line usage shown by "help" (may be NULL). Can be called before or after mgmt_init().
 * Returns 0, -EINVAL (empty prefix or no handler), -EEXIST (prefix already registered,
 * built-ins included) or -ENOMEM.
 */
int mgmt_register(const char *prefix, const char *help, mgmt_handler_fn fn);

/*
 * Create the socket: mkdir -p of its parent directory (0755), remove a stale socket file (a
 * socket file nobody listens on; a live one gives -EADDRINUSE, a non-socket file -EEXIST),
 * bind, chmod 0660, listen (non-blocking). Returns 0 or -errno (logged).
 */
int mgmt_init(const char *socket_path);

/* The fd to watch for EPOLLIN (see above), -1 before mgmt_init(). */
int mgmt_fd(void);

/* Accept new clients and make progress on every client, without blocking. */
void mgmt_poll(void);

/* Close every client and the socket, unlink the socket file, forget the registered commands. */
void mgmt_fini(void);

/*
 * Render a reply as human text. reply is either the envelope ({"ok": true, "data": X} renders X,
 * {"ok": false, "error": "msg"} renders "error: msg\n") or the data itself. Rules:
 *  - an object: "key: value" lines; a nested object as "key:" then its lines indented by two
 *    spaces; an array of objects as "key:" then an indented table whose columns are the union
 *    of the objects' keys in first-seen order; any other array as its items joined with ", "
 *    (non-scalar items as compact JSON); null, empty arrays and empty objects as "-".
 *  - in an object, the key "table" holding {"title": "optional", "columns": [...], "rows": [...]}
 *    renders as a table: the title line, a header row, then one line per row (rows are arrays
 *    in column order, or objects keyed by column name). Columns are separated by two spaces,
 *    left-aligned, except columns holding only numbers, which are right-aligned. The key
 *    "tables" holding an array of such tables renders them all. Tables are separated from the
 *    surrounding output by a blank line.
 *  - a table cell: scalars as text, null or missing as "-", arrays joined with ", " as above,
 *    objects as compact JSON. Control characters in strings are shown as blanks.
 *  - an array: a table if all its items are objects, else its items joined with ", ".
 *  - a scalar: its text; numbers in their shortest exact form; null as "-".
 * Every line ends with "\n"; no line has trailing blanks. Returns a malloc'ed string (NULL only
 * when out of memory).
 */
char *mgmt_render_text(struct json_object *reply);
