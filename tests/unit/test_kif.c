/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/kif.c against the kernel, in a network namespace of its own (needs CAP_SYS_ADMIN and
 * CAP_NET_ADMIN; skipped otherwise): the addresses of an interface, bridges and their ports.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kif.h"

static int failures, checks;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		checks++;                                                                        \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                                              \
		}                                                                                \
	} while (0)

static bool has(const struct pg_prefix *a, int n, const char *want)
{
	char b[PG_PREFIX_FMT_LEN];

	for (int i = 0; i < n; i++)
		if (!strcmp(fmt_prefix(&a[i], b), want))
			return true;
	return false;
}

/* A TAP interface (the kind a net_tap port has), open while fd is. */
static int tap_open(const char *name)
{
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd >= 0 && ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int main(void)
{
	struct pg_prefix a[16];
	char m[16];
	int n;

	if (unshare(CLONE_NEWNET) < 0) {
		printf("test_kif: skipped (unshare: %s)\n", strerror(errno));
		return 77;
	}
	CHECK(kif_addrs("pg-nope", a, 16) == -ENODEV);
	CHECK(kif_link_add("pgk0", "bridge") == 0);
	CHECK(kif_link_add("pgk0", "bridge") == -EEXIST);
	CHECK(kif_addrs("pgk0", a, 16) == 0);
	CHECK(system("ip addr add 10.9.8.7/24 dev pgk0 && ip addr add fd00::7/64 dev pgk0 nodad && "
		     "ip addr add 10.9.9.1/32 dev pgk0") == 0);
	CHECK(kif_set_master("pgk0", NULL) == 0); /* up: a link-local address comes too */
	CHECK(system("ip addr add fe80::77/64 dev pgk0 nodad") == 0);
	n = kif_addrs("pgk0", a, 16);
	CHECK(n == 3);
	CHECK(has(a, n, "10.9.8.7/24") && has(a, n, "fd00::7/64") && has(a, n, "10.9.9.1/32"));
	CHECK(kif_addrs("pgk0", a, 1) == 1);
	CHECK(kif_addrs("lo", a, 16) >= 0); /* down in a new namespace: none, or 127.0.0.1 */

	/* a bridge, a port in it, the bridge deleted */
	CHECK(kif_link_add("pgbr0", "bridge") == 0);
	int fd = tap_open("pgk1");
	CHECK(fd >= 0);
	CHECK(kif_get_master("pgk1", m) == 0 && m[0] == '\0');
	CHECK(kif_set_master("pgk1", "pgbr0") == 0);
	CHECK(kif_get_master("pgk1", m) == 0 && !strcmp(m, "pgbr0"));
	CHECK(kif_set_master("pgk1", "pg-nope") == -ENODEV);
	CHECK(kif_link_del("pgbr0") == 0);
	CHECK(kif_get_master("pgk1", m) == 0 && m[0] == '\0');
	CHECK(kif_link_del("pgbr0") == -ENODEV);
	close(fd);

	if (failures) {
		fprintf(stderr, "test_kif: %d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("test_kif: all %d checks passed\n", checks);
	return 0;
}
