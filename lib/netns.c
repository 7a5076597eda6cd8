/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "netns.h"

static int orig_fd = -1;

int pg_netns_init(void)
{
	if (orig_fd >= 0)
		return 0;
	orig_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	return orig_fd < 0 ? -errno : 0;
}

void pg_netns_leave(void)
{
	if (orig_fd >= 0 && setns(orig_fd, CLONE_NEWNET) < 0)
		LOG_ERR("netns: cannot return to the original network namespace: %s",
			strerror(errno));
}

int pg_netns_enter(int fd)
{
	if (fd <= 0)
		return 0;
	return setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

static int lo_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		rc = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (rc == 0 && ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		rc = -errno;
	close(s);
	return rc;
}

int pg_netns_new(void)
{
	int fd, rc;

	if ((rc = pg_netns_init()) < 0)
		return rc;
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fd <= 2) { /* keep 0..2 for what they are: a namespace fd is > 2 */
		int hi = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		close(fd);
		fd = hi;
	}
	rc = fd < 0 ? -errno : lo_up();
	pg_netns_leave();
	if (rc < 0 && fd >= 0) {
		close(fd);
		fd = -1;
	}
	return fd < 0 ? rc : fd;
}

int pg_netns_socket(int fd, int domain, int type, int protocol)
{
	int s, e;

	if (fd <= 0)
		return socket(domain, type, protocol);
	if (pg_netns_enter(fd) < 0)
		return -1;
	s = socket(domain, type, protocol);
	e = errno;
	pg_netns_leave();
	errno = e;
	return s;
}

void pg_netns_fini(void)
{
	if (orig_fd >= 0)
		close(orig_fd);
	orig_fd = -1;
}
