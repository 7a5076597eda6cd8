/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Management API: the text renderer on fixed inputs, then the server on a temporary socket.
 * Clients run in forked children (connect, send, read to EOF, hand the reply back through a
 * pipe) while the parent drives mgmt_poll(); a few clients are driven by the parent itself to
 * check that a silent or slow client never holds up the control thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <json-c/json.h>

#include "mgmt.h"

static int failures;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                                              \
		}                                                                                \
	} while (0)

#define CHECK_STR(got, want) test_check_str(__FILE__, __LINE__, (got), (want))

static void test_check_str(const char *file, int line, const char *got, const char *want)
{
	if (got != NULL && strcmp(got, want) == 0)
		return;
	fprintf(stderr, "%s:%d: check failed:\n--- expected ---\n%s--- got ---\n%s---\n", file,
		line, want, got ? got : "(null)\n");
	failures++;
}

static uint64_t test_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------------------------------ */
/* mgmt_render_text                                                                             */

static void test_render(const char *file, int line, const char *json, const char *want)
{
	struct json_object *obj = json_tokener_parse(json);
	char *got;

	if (obj == NULL && strcmp(json, "null") != 0) {
		fprintf(stderr, "%s:%d: bad test JSON: %s\n", file, line, json);
		failures++;
		return;
	}
	got = mgmt_render_text(obj);
	test_check_str(file, line, got, want);
	free(got);
	json_object_put(obj);
}

#define CHECK_RENDER(json, want) test_render(__FILE__, __LINE__, (json), (want))

static void test_render_table(void)
{
	CHECK_RENDER("{\"table\": {\"title\": \"Routes (vrf red)\","
		     " \"columns\": [\"Prefix\", \"Nexthop\", \"Metric\"],"
		     " \"rows\": [[\"10.0.0.0/8\", \"192.0.2.1\", 10],"
		     "          [\"192.168.100.0/24\", \"-\", 1000],"
		     "          [\"0.0.0.0/0\", null, 5]]}}",
		     "Routes (vrf red)\n"
		     "Prefix            Nexthop    Metric\n"
		     "10.0.0.0/8        192.0.2.1      10\n"
		     "192.168.100.0/24  -            1000\n"
		     "0.0.0.0/0         -               5\n");
	/* No title, short rows, object rows, mixed number/string column, UTF-8 width. */
	CHECK_RENDER("{\"table\": {\"columns\": [\"Name\", \"Value\", \"Note\"],"
		     " \"rows\": [[\"é\", 1.5], {\"Note\": \"x y\", \"Name\": \"b\"},"
		     "          [\"ccc\", \"n/a\", [1, 2]]]}}",
		     "Name  Value  Note\n"
		     "é     1.5    -\n"
		     "b     -      x y\n"
		     "ccc   n/a    1, 2\n");
	/* Several tables, blank line between them; empty table is just the header. */
	CHECK_RENDER("{\"tables\": [{\"title\": \"Ports\", \"columns\": [\"Port\", \"Up\"],"
		     "  \"rows\": [[\"p0\", true], [\"port1\", false]]},"
		     " {\"title\": \"Empty\", \"columns\": [\"A\", \"B\"], \"rows\": []}]}",
		     "Ports\n"
		     "Port   Up\n"
		     "p0     true\n"
		     "port1  false\n"
		     "\n"
		     "Empty\n"
		     "A  B\n");
	/* A table among other keys; nested objects in cells as compact JSON. */
	CHECK_RENDER(
	    "{\"vrf\": \"red\", \"table\": {\"columns\": [\"K\", \"V\"],"
	    " \"rows\": [[\"a\", {\"x\": 1}], [\"tab\\tbed\", \"10.0.0.0/8\"]]}, \"count\": 2}",
	    "vrf: red\n"
	    "\n"
	    "K        V\n"
	    "a        {\"x\":1}\n"
	    "tab bed  10.0.0.0/8\n"
	    "\n"
	    "count: 2\n");
}

static void test_render_object(void)
{
	CHECK_RENDER("{\"name\": \"p0\", \"up\": true, \"mtu\": 1500, \"ratio\": 0.1,"
		     " \"addrs\": [\"10.0.0.1/24\", \"2001:db8::1/64\"],"
		     " \"counters\": {\"rx\": {\"packets\": 10, \"bytes\": 1000}, \"tx\": {}},"
		     " \"neighbors\": [{\"ip\": \"10.0.0.2\", \"mac\": \"aa:bb:cc:dd:ee:ff\"},"
		     "                {\"ip\": \"10.0.0.3\", \"state\": \"stale\"}],"
		     " \"note\": null, \"none\": [], \"label\": \"\", \"table\": \"main\"}",
		     "name: p0\n"
		     "up: true\n"
		     "mtu: 1500\n"
		     "ratio: 0.1\n"
		     "addrs: 10.0.0.1/24, 2001:db8::1/64\n"
		     "counters:\n"
		     "  rx:\n"
		     "    packets: 10\n"
		     "    bytes: 1000\n"
		     "  tx: -\n"
		     "neighbors:\n"
		     "  ip        mac                state\n"
		     "  10.0.0.2  aa:bb:cc:dd:ee:ff  -\n"
		     "  10.0.0.3  -                  stale\n"
		     "note: -\n"
		     "none: -\n"
		     "label:\n"
		     "table: main\n");
	/* A nested object holding a table: indented with it. */
	CHECK_RENDER("{\"vrf\": {\"name\": \"red\", \"table\": {\"title\": \"T\","
		     " \"columns\": [\"N\"], \"rows\": [[7], [42]]}}}",
		     "vrf:\n"
		     "  name: red\n"
		     "\n"
		     "  T\n"
		     "   N\n"
		     "   7\n"
		     "  42\n");
	CHECK_RENDER("{\"mixed\": [1, \"a\", {\"b\": 2}, [3]]}", "mixed: 1, a, {\"b\":2}, [3]\n");
	CHECK_RENDER("[{\"a\": 1, \"b\": \"x\"}, {\"c\": true, \"a\": 22}]", " a  b  c\n"
									     " 1  x  -\n"
									     "22  -  true\n");
	CHECK_RENDER("{}", "");
}

static void test_render_scalars(void)
{
	CHECK_RENDER("\"hello\"", "hello\n");
	CHECK_RENDER("42", "42\n");
	CHECK_RENDER("-0.25", "-0.25\n");
	CHECK_RENDER("1e300", "1e+300\n");
	CHECK_RENDER("false", "false\n");
	CHECK_RENDER("null", "-\n");
	CHECK_RENDER("[1, 2, 3]", "1, 2, 3\n");
	CHECK_RENDER("{\"ok\": false, \"error\": \"no such vrf 'blue'\"}",
		     "error: no such vrf 'blue'\n");
	CHECK_RENDER("{\"ok\": true, \"data\": {\"pong\": true}}", "pong: true\n");
	CHECK_RENDER("{\"ok\": true, \"data\": \"done\"}", "done\n");
	CHECK_RENDER("{\"ok\": true}", "");
	/* Not an envelope: rendered as data. */
	CHECK_RENDER("{\"ok\": true, \"detail\": \"x\"}", "ok: true\ndetail: x\n");
	CHECK_RENDER("{\"ok\": \"yes\", \"error\": \"e\"}", "ok: yes\nerror: e\n");
}

/* ------------------------------------------------------------------------------------------ */
/* Handlers                                                                                     */

#define TEST_BIG_ROWS 50000

static struct json_object *test_cmd_route(int argc, char **argv, char *err, size_t errlen)
{
	struct json_object *data = json_tokener_parse(
	    "{\"table\": {\"columns\": [\"Prefix\", \"Nexthop\", \"Metric\"],"
	    " \"rows\": [[\"10.0.0.0/8\", \"192.0.2.1\", 10], [\"0.0.0.0/0\", null, 1000]]}}");
	struct json_object *table = NULL;
	char title[256] = "Routes";

	for (int i = 0; i < argc; i++)
		snprintf(title + strlen(title), sizeof(title) - strlen(title), "%s%s",
			 i == 0 ? " (" : " ", argv[i]);
	if (argc > 0)
		strcat(title, ")");
	json_object_object_get_ex(data, "table", &table);
	json_object_object_add(table, "title", json_object_new_string(title));
	return data;
}

/* Echo the arguments (and check argv is NULL-terminated). */
static struct json_object *test_cmd_echo(int argc, char **argv, char *err, size_t errlen)
{
	struct json_object *data = json_object_new_object();
	struct json_object *args = json_object_new_array();

	for (int i = 0; i < argc; i++)
		json_object_array_add(args, json_object_new_string(argv[i]));
	json_object_object_add(data, "argc", json_object_new_int(argc));
	json_object_object_add(data, "args", args);
	json_object_object_add(data, "terminated", json_object_new_boolean(argv[argc] == NULL));
	return data;
}

static struct json_object *test_cmd_fail(int argc, char **argv, char *err, size_t errlen)
{
	snprintf(err, errlen, "no such thing");
	return NULL;
}

static struct json_object *test_cmd_silent_fail(int argc, char **argv, char *err, size_t errlen)
{
	return NULL;
}

static struct json_object *test_cmd_big(int argc, char **argv, char *err, size_t errlen)
{
	struct json_object *data = json_object_new_object();
	struct json_object *table = json_object_new_object();
	struct json_object *cols = json_object_new_array();
	struct json_object *rows = json_object_new_array();

	json_object_array_add(cols, json_object_new_string("Index"));
	json_object_array_add(cols, json_object_new_string("Name"));
	for (int i = 0; i < TEST_BIG_ROWS; i++) {
		struct json_object *row = json_object_new_array();
		char name[64];

		snprintf(name, sizeof(name), "route-%d-with-a-long-enough-name", i);
		json_object_array_add(row, json_object_new_int(i));
		json_object_array_add(row, json_object_new_string(name));
		json_object_array_add(rows, row);
	}
	json_object_object_add(table, "columns", cols);
	json_object_object_add(table, "rows", rows);
	json_object_object_add(data, "table", table);
	return data;
}

static void test_register(void)
{
	CHECK(mgmt_register("show route", "show route [vrf NAME]: the routes", test_cmd_route) ==
	      0);
	CHECK(mgmt_register("show route summary", "show route summary: counts", test_cmd_echo) ==
	      0);
	CHECK(mgmt_register("show stats", "show stats [port NAME]: counters", test_cmd_echo) == 0);
	CHECK(mgmt_register("fail", "fail: always fails", test_cmd_fail) == 0);
	CHECK(mgmt_register("fail silently", NULL, test_cmd_silent_fail) == 0);
	CHECK(mgmt_register("big", "big: a large table", test_cmd_big) == 0);
	CHECK(mgmt_register("  show \t route  ", "dup", test_cmd_echo) == -EEXIST);
	CHECK(mgmt_register("help", "dup", test_cmd_echo) == -EEXIST);
	CHECK(mgmt_register("ping", "dup", test_cmd_echo) == -EEXIST);
	CHECK(mgmt_register("   ", "empty", test_cmd_echo) == -EINVAL);
	CHECK(mgmt_register("x", "no handler", NULL) == -EINVAL);
}

/* ------------------------------------------------------------------------------------------ */
/* Clients                                                                                      */

static char sock_path[108];  /* sun_path */
static uint64_t poll_max_ms; /* longest mgmt_poll() call */

static void test_poll_once(int timeout_ms)
{
	struct pollfd pfd = {.fd = mgmt_fd(), .events = POLLIN};
	uint64_t t0;

	poll(&pfd, 1, timeout_ms);
	t0 = test_now_ms();
	mgmt_poll();
	if (test_now_ms() - t0 > poll_max_ms)
		poll_max_ms = test_now_ms() - t0;
}

static int test_connect(bool nonblock)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", sock_path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Child: send the request, read the reply to EOF, pass it up the pipe. */
static void test_run_client(int out, const char *req, size_t len, bool half_close)
{
	int fd = test_connect(false);
	char buf[65536];
	ssize_t n;

	if (fd < 0)
		_exit(10);
	for (size_t off = 0; off < len; off += (size_t)n) {
		n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n <= 0)
			_exit(11);
	}
	if (half_close)
		shutdown(fd, SHUT_WR);
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		if (write(out, buf, (size_t)n) != n)
			_exit(12);
	_exit(n < 0 ? 13 : 0);
}

static void test_drain_pipe(int fd, char **buf, size_t *len)
{
	char tmp[65536];
	ssize_t n;

	while ((n = read(fd, tmp, sizeof(tmp))) > 0) {
		*buf = realloc(*buf, *len + (size_t)n + 1);
		memcpy(*buf + *len, tmp, (size_t)n);
		*len += (size_t)n;
		(*buf)[*len] = '\0';
	}
}

/* Run one client in a child while serving; the reply (malloc'ed) or NULL. */
static char *test_exchange_raw(const char *req, size_t len, bool half_close)
{
	uint64_t deadline = test_now_ms() + 10000;
	char *reply = calloc(1, 1);
	size_t reply_len = 0;
	int pfd[2], status = -1;
	pid_t pid;

	if (pipe(pfd) < 0 || (pid = fork()) < 0)
		abort();
	if (pid == 0) {
		close(pfd[0]);
		test_run_client(pfd[1], req, len, half_close);
	}
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (test_now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		test_poll_once(5);
		test_drain_pipe(pfd[0], &reply, &reply_len);
	}
	test_drain_pipe(pfd[0], &reply, &reply_len);
	close(pfd[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "client for request '%.60s' failed (status %d)\n", req, status);
		free(reply);
		return NULL;
	}
	return reply;
}

static char *test_exchange(const char *command, const char *format)
{
	struct json_object *req = json_object_new_object();
	char *line, *reply;

	json_object_object_add(req, "command", json_object_new_string(command));
	if (format != NULL)
		json_object_object_add(req, "format", json_object_new_string(format));
	if (asprintf(&line, "%s\n", json_object_to_json_string(req)) < 0)
		abort();
	json_object_put(req);
	reply = test_exchange_raw(line, strlen(line), false);
	free(line);
	return reply;
}

/* Poll until nothing is pending any more (clients gone, no timer due). */
static bool test_settle(void)
{
	struct pollfd pfd = {.fd = mgmt_fd(), .events = POLLIN};
	uint64_t deadline = test_now_ms() + 3000;

	while (test_now_ms() < deadline) {
		if (poll(&pfd, 1, 50) == 0)
			return true;
		mgmt_poll();
	}
	return false;
}

/* The error message of a JSON error reply (static copy), NULL if not one. */
static const char *test_json_error(const char *reply)
{
	static char msg[1024];
	struct json_object *obj = reply ? json_tokener_parse(reply) : NULL;
	struct json_object *ok = NULL, *err = NULL;
	const char *ret = NULL;

	if (json_object_object_get_ex(obj, "ok", &ok) && !json_object_get_boolean(ok) &&
	    json_object_object_get_ex(obj, "error", &err) && json_object_object_length(obj) == 2) {
		snprintf(msg, sizeof(msg), "%s", json_object_get_string(err));
		ret = msg;
	}
	json_object_put(obj);
	return ret;
}

#define CHECK_ERROR(reply, want) CHECK_STR(test_json_error(reply), want)

/* ------------------------------------------------------------------------------------------ */
/* Server tests                                                                                 */

static void test_basic(void)
{
	char *r;

	r = test_exchange("ping", "json");
	CHECK_STR(r, "{\"ok\":true,\"data\":{\"pong\":true}}\n");
	free(r);
	r = test_exchange("ping", NULL); /* json is the default */
	CHECK_STR(r, "{\"ok\":true,\"data\":{\"pong\":true}}\n");
	free(r);
	r = test_exchange("ping", "text");
	CHECK_STR(r, "pong: true\n");
	free(r);
	r = test_exchange("show route", "json");
	CHECK_STR(r, "{\"ok\":true,\"data\":{\"table\":{\"columns\":[\"Prefix\",\"Nexthop\","
		     "\"Metric\"],\"rows\":[[\"10.0.0.0/8\",\"192.0.2.1\",10],[\"0.0.0.0/0\",null,"
		     "1000]],\"title\":\"Routes\"}}}\n");
	free(r);
	r = test_exchange("show route vrf red", "text");
	CHECK_STR(r, "Routes (vrf red)\n"
		     "Prefix      Nexthop    Metric\n"
		     "10.0.0.0/8  192.0.2.1      10\n"
		     "0.0.0.0/0   -            1000\n");
	free(r);
}

static void test_dispatch(void)
{
	char *r;

	r = test_exchange("show route summary extra", "json");
	CHECK_STR(r,
		  "{\"ok\":true,\"data\":{\"argc\":1,\"args\":[\"extra\"],\"terminated\":true}}\n");
	free(r);
	r = test_exchange(" \tshow   stats  port\tp0 ", "text");
	CHECK_STR(r, "argc: 2\nargs: port, p0\nterminated: true\n");
	free(r);
	r = test_exchange("show routes", "json");
	CHECK_ERROR(r, "unknown command 'show routes' (try 'help')");
	free(r);
	r = test_exchange("bogus  cmd", "text");
	CHECK_STR(r, "error: unknown command 'bogus cmd' (try 'help')\n");
	free(r);
	r = test_exchange("   ", "json");
	CHECK_ERROR(r, "empty command (try 'help')");
	free(r);
	r = test_exchange("fail", "json");
	CHECK_STR(r, "{\"ok\":false,\"error\":\"no such thing\"}\n");
	free(r);
	r = test_exchange("fail now", "text");
	CHECK_STR(r, "error: no such thing\n");
	free(r);
	r = test_exchange("fail silently", "json");
	CHECK_ERROR(r, "command failed");
	free(r);
}

static void test_help(void)
{
	char *r;

	r = test_exchange("help", "text");
	CHECK_STR(r,
		  "Commands\n"
		  "Command             Help\n"
		  "big                 big: a large table\n"
		  "fail                fail: always fails\n"
		  "fail silently\n"
		  "help                help [WORDS...]: list the commands (starting with WORDS)\n"
		  "ping                ping: check that the daemon answers\n"
		  "show route          show route [vrf NAME]: the routes\n"
		  "show route summary  show route summary: counts\n"
		  "show stats          show stats [port NAME]: counters\n");
	free(r);
	r = test_exchange("help show route", "json");
	CHECK_STR(r,
		  "{\"ok\":true,\"data\":{\"table\":{\"title\":\"Commands\",\"columns\":"
		  "[\"Command\",\"Help\"],\"rows\":[[\"show route\",\"show route [vrf NAME]: the "
		  "routes\"],[\"show route summary\",\"show route summary: counts\"]]}}}\n");
	free(r);
	r = test_exchange("help nothing", "json");
	CHECK_ERROR(r, "no command matches 'nothing' (try 'help')");
	free(r);
}

static void test_malformed(void)
{
	static const struct {
		const char *req;
		const char *error;
	} cases[] = {
	    {"{not json\n", "malformed request: "},
	    {"\n", "malformed request: incomplete JSON"},
	    {"{\"command\": \"ping\"\n", "malformed request: incomplete JSON"},
	    {"[1, 2]\n", "malformed request: not a JSON object"},
	    {"\"ping\"\n", "malformed request: not a JSON object"},
	    {"{\"format\": \"text\"}\n", "malformed request: \"command\" must be a string"},
	    {"{\"command\": 5}\n", "malformed request: \"command\" must be a string"},
	    {"{\"command\": \"ping\", \"format\": \"xml\"}\n",
	     "malformed request: \"format\" must be \"json\" or \"text\""},
	    {"{\"command\": \"ping\", \"format\": 1}\n",
	     "malformed request: \"format\" must be \"json\" or \"text\""},
	    {"{\"command\": \"ping\"} {\"x\": 1}\n",
	     "malformed request: trailing data after the JSON object"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *r = test_exchange_raw(cases[i].req, strlen(cases[i].req), false);
		const char *e = test_json_error(r);

		if (e == NULL || strncmp(e, cases[i].error, strlen(cases[i].error)) != 0) {
			fprintf(stderr, "%s:%d: request %zu: got %s", __FILE__, __LINE__, i,
				r ? r : "(null)\n");
			failures++;
		}
		free(r);
	}
}

static void test_framing(void)
{
	const char *req = "{\"command\": \"ping\", \"format\": \"text\"}";
	size_t big = 100 * 1024;
	char *buf = malloc(big);
	char *r;

	/* No newline, but the client half-closes: taken as the request. */
	r = test_exchange_raw(req, strlen(req), true);
	CHECK_STR(r, "pong: true\n");
	free(r);
	/* Exactly the limit, newline included. */
	memset(buf, ' ', MGMT_REQUEST_MAX);
	memcpy(buf, req, strlen(req));
	buf[MGMT_REQUEST_MAX - 1] = '\n';
	r = test_exchange_raw(buf, MGMT_REQUEST_MAX, false);
	CHECK_STR(r, "pong: true\n");
	free(r);
	/* One byte more. */
	buf[MGMT_REQUEST_MAX - 1] = ' ';
	buf[MGMT_REQUEST_MAX] = '\n';
	r = test_exchange_raw(buf, MGMT_REQUEST_MAX + 1, false);
	CHECK_ERROR(r, "request too large (the limit is 65536 bytes)");
	free(r);
	/* Far more, never a newline. */
	memset(buf, 'a', big);
	r = test_exchange_raw(buf, big, false);
	CHECK_ERROR(r, "request too large (the limit is 65536 bytes)");
	free(r);
	free(buf);
}

static void test_big_reply(void)
{
	char *r = test_exchange("big", "json");
	struct json_object *obj = r ? json_tokener_parse(r) : NULL;
	struct json_object *data = NULL, *table = NULL, *rows = NULL;
	size_t lines = 0;

	CHECK(obj != NULL);
	CHECK(json_object_object_get_ex(obj, "data", &data) &&
	      json_object_object_get_ex(data, "table", &table) &&
	      json_object_object_get_ex(table, "rows", &rows) &&
	      json_object_array_length(rows) == TEST_BIG_ROWS);
	json_object_put(obj);
	free(r);
	r = test_exchange("big", "text");
	for (const char *p = r; p && *p; p++)
		lines += *p == '\n';
	CHECK(lines == TEST_BIG_ROWS + 1);
	CHECK(r && strstr(r, "49999  route-49999-with-a-long-enough-name\n") != NULL);
	free(r);
}

/* Read what fd has (non-blocking) into buf; returns bytes read, 0 on EOF, -1 if nothing yet. */
static ssize_t test_read_some(int fd, char *buf, size_t size)
{
	ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);

	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* Serve until fd has its whole reply (EOF); the reply in buf. */
static bool test_wait_reply(int fd, char *buf, size_t size, int timeout_ms)
{
	uint64_t deadline = test_now_ms() + (uint64_t)timeout_ms;
	size_t len = 0;

	while (test_now_ms() < deadline) {
		ssize_t n;

		test_poll_once(5);
		while ((n = test_read_some(fd, buf + len, size - len)) > 0)
			len += (size_t)n;
		if (n == 0)
			return true;
	}
	return false;
}

/* A client that sends its request in pieces is served across mgmt_poll() calls. */
static void test_slow_client(void)
{
	struct pollfd pfd = {.fd = mgmt_fd(), .events = POLLIN};
	int fd = test_connect(true);
	char buf[256];

	CHECK(fd >= 0);
	CHECK(poll(&pfd, 1, 1000) == 1); /* the new connection wakes the caller */
	CHECK(send(fd, "{\"command\": \"pi", 15, 0) == 15);
	for (int i = 0; i < 5; i++)
		test_poll_once(10);
	CHECK(test_read_some(fd, buf, sizeof(buf)) < 0 && errno == EAGAIN);
	CHECK(send(fd, "ng\", \"format\": \"text\"}\n", 24, 0) == 24);
	CHECK(poll(&pfd, 1, 1000) == 1); /* so does its data */
	CHECK(test_wait_reply(fd, buf, sizeof(buf), 2000));
	CHECK_STR(buf, "pong: true\n");
	close(fd);
	CHECK(test_settle());
}

/* A client that sends nothing does not hold up others, and is dropped after its deadline. */
static void test_silent_client(void)
{
	int fd = test_connect(true);
	uint64_t t0 = test_now_ms(), waited;
	char buf[256] = "";
	char *r;

	CHECK(fd >= 0);
	poll_max_ms = 0;
	test_poll_once(0);
	r = test_exchange("ping", "text");
	CHECK_STR(r, "pong: true\n");
	free(r);
	CHECK(poll_max_ms < 50);
	CHECK(test_wait_reply(fd, buf, sizeof(buf), MGMT_READ_TIMEOUT_MS + 2000));
	waited = test_now_ms() - t0;
	CHECK(waited >= MGMT_READ_TIMEOUT_MS - 50 && waited < MGMT_READ_TIMEOUT_MS + 1000);
	CHECK_ERROR(buf, "timed out waiting for the request");
	CHECK(poll_max_ms < 50);
	close(fd);
	CHECK(test_settle());
}

/* A client that goes away before its reply, or right after connecting. */
static void test_vanishing_clients(void)
{
	const char *req = "{\"command\": \"big\"}\n";
	int a = test_connect(true), b = test_connect(true);

	CHECK(a >= 0 && b >= 0);
	CHECK(send(a, req, strlen(req), 0) == (ssize_t)strlen(req));
	test_poll_once(10); /* a's reply is partly written */
	close(a);
	close(b);
	CHECK(test_settle());
}

/* Past MGMT_CLIENTS_MAX clients, new ones get "server busy"; the others are still served. */
static void test_busy(void)
{
	int fds[MGMT_CLIENTS_MAX], extra;
	char buf[256] = "";
	const char *req = "{\"command\": \"ping\", \"format\": \"text\"}\n";

	for (int i = 0; i < MGMT_CLIENTS_MAX; i++) {
		fds[i] = test_connect(true);
		CHECK(fds[i] >= 0);
	}
	test_poll_once(0);
	extra = test_connect(true);
	CHECK(extra >= 0);
	CHECK(test_wait_reply(extra, buf, sizeof(buf), 2000));
	CHECK_ERROR(buf, "server busy, try again");
	close(extra);
	CHECK(send(fds[0], req, strlen(req), 0) == (ssize_t)strlen(req));
	CHECK(test_wait_reply(fds[0], buf, sizeof(buf), 2000));
	CHECK_STR(buf, "pong: true\n");
	for (int i = 0; i < MGMT_CLIENTS_MAX; i++)
		close(fds[i]);
	CHECK(test_settle());
}

/* ------------------------------------------------------------------------------------------ */
/* Set-up                                                                                       */

/* A listening socket at path, as another running instance would have. */
static int test_listen(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0)
		abort();
	return fd;
}

static void test_init(const char *dir)
{
	char sub[96], longpath[200];
	struct stat st;
	int fd;

	snprintf(sub, sizeof(sub), "%.60s/run/peregrine", dir);
	snprintf(sock_path, sizeof(sock_path), "%.80s/mgmt.sock", sub);
	CHECK(mgmt_fd() == -1);
	CHECK(mgmt_init("") == -EINVAL);
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	CHECK(mgmt_init(longpath) == -ENAMETOOLONG);
	/* mkdir -p, modes whatever the umask, unlinked by mgmt_fini(). */
	CHECK(mgmt_init(sock_path) == 0);
	CHECK(stat(sock_path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0660);
	CHECK(stat(sub, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0755);
	mgmt_fini();
	CHECK(stat(sock_path, &st) < 0 && errno == ENOENT);
	/* Registrations survive a failed mgmt_init(). */
	test_register();
	/* A file that is not a socket is left alone. */
	fd = open(sock_path, O_CREAT | O_WRONLY, 0600);
	CHECK(fd >= 0);
	close(fd);
	CHECK(mgmt_init(sock_path) == -EEXIST);
	unlink(sock_path);
	/* A live socket is not taken over; once its owner is gone it is stale and replaced. */
	fd = test_listen(sock_path);
	CHECK(mgmt_init(sock_path) == -EADDRINUSE);
	close(fd);
	CHECK(mgmt_init(sock_path) == 0);
	CHECK(mgmt_init(sock_path) == -EBUSY);
	CHECK(mgmt_fd() >= 0);
	CHECK(test_settle());
}

static void test_cleanup(const char *dir)
{
	char path[300];
	struct stat st;

	mgmt_fini();
	CHECK(mgmt_fd() == -1);
	CHECK(stat(sock_path, &st) < 0 && errno == ENOENT);
	CHECK(test_connect(false) < 0);
	snprintf(path, sizeof(path), "%s/run/peregrine", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/run", dir);
	rmdir(path);
	rmdir(dir);
}

int main(void)
{
	char dir[] = "/tmp/test_mgmt.XXXXXX";

	signal(SIGPIPE, SIG_IGN);
	test_render_table();
	test_render_object();
	test_render_scalars();
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	umask(077); /* the socket and directory modes must not depend on it */
	test_init(dir);
	test_basic();
	test_dispatch();
	test_help();
	test_malformed();
	test_framing();
	test_big_reply();
	test_slow_client();
	test_silent_client();
	test_vanishing_clients();
	test_busy();
	test_cleanup(dir);
	if (failures > 0) {
		fprintf(stderr, "test_mgmt: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_mgmt: all checks passed\n");
	return 0;
}
