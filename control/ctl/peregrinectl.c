/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peregrinectl: send one command to the peregrine daemon's management socket and print the
 * reply (protocol: control/mgmt.h).
 *
 * Exit status: 0 success, 1 error reply (or a failed exchange: timeout, bad reply),
 * 2 cannot connect, 64 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <json-c/json.h>

#define CTL_SOCKET_DEFAULT "/run/peregrine/peregrine.sock"
#define CTL_SOCKET_ENV	   "PEREGRINE_SOCKET"
#define CTL_TIMEOUT_MS	   10000

#define CTL_EXIT_OK	 0
#define CTL_EXIT_ERROR	 1
#define CTL_EXIT_CONNECT 2
#define CTL_EXIT_USAGE	 64

struct ctl_opts {
	const char *socket_path;
	bool json;
	char *command; /* the words joined by blanks, malloc'ed */
};

struct ctl_reply {
	char *s;
	size_t len;
	size_t cap;
};

static void ctl_print_usage(FILE *f)
{
	fprintf(f, "usage: peregrinectl [-s SOCKET] [--json] COMMAND [WORDS...]\n"
		   "\n"
		   "Send a command to the peregrine daemon and print its reply.\n"
		   "\n"
		   "  -s, --socket SOCKET  management socket (default: $" CTL_SOCKET_ENV
		   ", else " CTL_SOCKET_DEFAULT ")\n"
		   "  -j, --json           print the reply as JSON\n"
		   "  -h, --help           show this help\n"
		   "\n"
		   "Try 'peregrinectl help' for the list of commands.\n"
		   "Exit status: 0 ok, 1 error reply, 2 cannot connect, 64 usage error.\n");
}

static uint64_t ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Milliseconds left before the deadline, 0 when expired. */
static int ctl_left_ms(uint64_t deadline)
{
	uint64_t now = ctl_now_ms();

	return now >= deadline ? 0 : (int)(deadline - now);
}

static char *ctl_join_words(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	if (s == NULL)
		return NULL;
	for (int i = 0; i < argc; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* Returns -1 to go on, else the exit status. */
static int ctl_parse_args(int argc, char **argv, struct ctl_opts *o)
{
	static const struct option longopts[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int opt;

	o->socket_path = getenv(CTL_SOCKET_ENV);
	if (o->socket_path == NULL || o->socket_path[0] == '\0')
		o->socket_path = CTL_SOCKET_DEFAULT;
	/* "+": options stop at the first command word, which may look like an option. */
	while ((opt = getopt_long(argc, argv, "+s:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			o->socket_path = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			ctl_print_usage(stdout);
			return CTL_EXIT_OK;
		default:
			fprintf(stderr, "Try 'peregrinectl --help' for more information.\n");
			return CTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		ctl_print_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	o->command = ctl_join_words(argc - optind, argv + optind);
	if (o->command == NULL) {
		fprintf(stderr, "peregrinectl: out of memory\n");
		return CTL_EXIT_ERROR;
	}
	return -1;
}

/* Wait for events on fd until the deadline; 1 ready, 0 timeout, -1 error. */
static int ctl_wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};

	for (;;) {
		int n = poll(&pfd, 1, ctl_left_ms(deadline));

		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -1 : n > 0;
	}
}

static int ctl_fail_connect(const char *path, int err)
{
	fprintf(stderr,
		"peregrinectl: cannot connect to %s: %s\n"
		"Is the peregrine daemon running? (use -s or $" CTL_SOCKET_ENV
		" for another socket)\n",
		path, strerror(err));
	return -1;
}

/* Connect fd, retrying while the backlog is full; 0 or the errno that stopped it. */
static int ctl_connect_fd(int fd, const struct sockaddr_un *sa, uint64_t deadline)
{
	int err = 0;
	socklen_t len = sizeof(err);

	for (;;) {
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 || errno == EISCONN)
			return 0;
		if (errno == EINPROGRESS || errno == EALREADY) {
			if (ctl_wait_fd(fd, POLLOUT, deadline) <= 0)
				return ETIMEDOUT;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
				return errno;
			return err;
		}
		if (errno != EAGAIN && errno != EINTR)
			return errno;
		if (ctl_left_ms(deadline) == 0)
			return ETIMEDOUT;
		if (errno == EAGAIN)
			usleep(10000);
	}
}

/* Connected non-blocking socket, or -1 (message printed). */
static int ctl_connect(const char *path, uint64_t deadline)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return ctl_fail_connect(path, ENAMETOOLONG);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ctl_fail_connect(path, errno);
	err = ctl_connect_fd(fd, &sa, deadline);
	if (err == 0)
		return fd;
	close(fd);
	return ctl_fail_connect(path, err);
}

static char *ctl_build_request(const struct ctl_opts *o)
{
	struct json_object *req = json_object_new_object();
	const char *s;
	char *line = NULL;

	json_object_object_add(req, "command", json_object_new_string(o->command));
	json_object_object_add(req, "format", json_object_new_string(o->json ? "json" : "text"));
	s = json_object_to_json_string_ext(req,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s != NULL && asprintf(&line, "%s\n", s) < 0)
		line = NULL;
	json_object_put(req);
	return line;
}

/* Send everything, then half-close; 0 or -1 (message printed). */
static int ctl_send_request(int fd, const char *req, uint64_t deadline)
{
	size_t len = strlen(req), off = 0;

	while (off < len) {
		ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && ctl_wait_fd(fd, POLLOUT, deadline) > 0)
			continue;
		if (n < 0) {
			fprintf(stderr, "peregrinectl: error: sending the request: %s\n",
				errno == EAGAIN ? "timed out" : strerror(errno));
			return -1;
		}
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	return 0;
}

static int ctl_grow_reply(struct ctl_reply *r)
{
	size_t cap = r->cap ? r->cap * 2 : 65536;
	char *p = realloc(r->s, cap);

	if (p == NULL)
		return -1;
	r->s = p;
	r->cap = cap;
	return 0;
}

/* Read until the server closes; 0 or -1 (message printed). r->s is NUL-terminated. */
static int ctl_read_reply(int fd, struct ctl_reply *r, uint64_t deadline)
{
	for (;;) {
		ssize_t n;

		if (r->len + 1 >= r->cap && ctl_grow_reply(r) < 0) {
			fprintf(stderr, "peregrinectl: error: out of memory\n");
			return -1;
		}
		n = recv(fd, r->s + r->len, r->cap - r->len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && ctl_wait_fd(fd, POLLIN, deadline) > 0)
			continue;
		if (n < 0) {
			fprintf(stderr, "peregrinectl: error: reading the reply: %s\n",
				errno == EAGAIN ? "timed out" : strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		r->len += (size_t)n;
	}
	r->s[r->len] = '\0';
	if (r->len == 0) {
		fprintf(stderr, "peregrinectl: error: empty reply from the daemon\n");
		return -1;
	}
	return 0;
}

static int ctl_print_json(const struct ctl_reply *r)
{
	struct json_object *reply = json_tokener_parse(r->s);
	struct json_object *ok = NULL, *err = NULL;
	int rc = CTL_EXIT_OK;

	if (!json_object_is_type(reply, json_type_object) ||
	    !json_object_object_get_ex(reply, "ok", &ok)) {
		fprintf(stderr, "peregrinectl: error: malformed reply from the daemon\n");
		json_object_put(reply);
		return CTL_EXIT_ERROR;
	}
	printf("%s\n", json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	if (!json_object_get_boolean(ok)) {
		json_object_object_get_ex(reply, "error", &err);
		fprintf(stderr, "error: %s\n", err ? json_object_get_string(err) : "unknown error");
		rc = CTL_EXIT_ERROR;
	}
	json_object_put(reply);
	return rc;
}

/* A JSON error envelope, which the daemon sends when it could not read the request. */
static bool ctl_print_json_error(const struct ctl_reply *r)
{
	struct json_object *reply = r->s[0] == '{' ? json_tokener_parse(r->s) : NULL;
	struct json_object *ok = NULL, *err = NULL;
	bool is_error = json_object_object_get_ex(reply, "ok", &ok) &&
			json_object_is_type(ok, json_type_boolean) &&
			!json_object_get_boolean(ok) &&
			json_object_object_get_ex(reply, "error", &err);

	if (is_error)
		fprintf(stderr, "error: %s\n", json_object_get_string(err));
	json_object_put(reply);
	return is_error;
}

static int ctl_print_text(const struct ctl_reply *r)
{
	bool is_error = strncmp(r->s, "error: ", 7) == 0;

	if (ctl_print_json_error(r))
		return CTL_EXIT_ERROR;
	fwrite(r->s, 1, r->len, is_error ? stderr : stdout);
	if (r->s[r->len - 1] != '\n')
		fputc('\n', is_error ? stderr : stdout);
	return is_error ? CTL_EXIT_ERROR : CTL_EXIT_OK;
}

static int ctl_run(const struct ctl_opts *o)
{
	uint64_t deadline = ctl_now_ms() + CTL_TIMEOUT_MS;
	struct ctl_reply r = {0};
	char *req = ctl_build_request(o);
	int fd = -1, rc = CTL_EXIT_ERROR;

	if (req == NULL) {
		fprintf(stderr, "peregrinectl: out of memory\n");
		return CTL_EXIT_ERROR;
	}
	fd = ctl_connect(o->socket_path, deadline);
	if (fd < 0)
		rc = CTL_EXIT_CONNECT;
	else if (ctl_send_request(fd, req, deadline) == 0 && ctl_read_reply(fd, &r, deadline) == 0)
		rc = o->json ? ctl_print_json(&r) : ctl_print_text(&r);
	if (fd >= 0)
		close(fd);
	free(req);
	free(r.s);
	return rc;
}

int main(int argc, char **argv)
{
	struct ctl_opts o = {0};
	int rc = ctl_parse_args(argc, argv, &o);

	if (rc < 0)
		rc = ctl_run(&o);
	free(o.command);
	if (fflush(stdout) != 0 && rc == CTL_EXIT_OK)
		rc = CTL_EXIT_ERROR;
	return rc;
}
