/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel as the exception path of an AF_XDP port (`exception: xdp`).
 *
 * DPDK's af_xdp driver loads our XDP program (dataplane/xdp/pg_xdp.bpf.c, compiled at build time
 * and carried inside the daemon) instead of its default one. The program passes the router's
 * control traffic to the port's own Linux interface and redirects the rest to Peregrine. This
 * file hands the object to the driver (through a memfd), fills the program's maps with the
 * port's addresses and the VXLAN port, and puts those addresses on the Linux interface so the
 * kernel terminates ARP, ND, ICMP and TCP (BGP) for them; it removes the addresses it added when
 * the port goes away. Neighbour resolution on these ports goes through the kernel (neigh.c).
 */
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "exc.h"
#include "log.h"
#include "util.h"
#include "xdp.h"

extern const unsigned char pg_xdp_obj[];
extern const unsigned long pg_xdp_obj_len;

static int obj_fd = -1;
static char obj_path[64];

const char *xdp_prog_path(void)
{
	if (obj_fd >= 0)
		return obj_path;
	int fd = memfd_create("pg_xdp.bpf.o", MFD_CLOEXEC);
	if (fd < 0) {
		LOG_ERR("memfd_create: %s", strerror(errno));
		return NULL;
	}
	for (unsigned long off = 0; off < pg_xdp_obj_len;) {
		ssize_t n = write(fd, pg_xdp_obj + off, pg_xdp_obj_len - off);
		if (n <= 0) {
			LOG_ERR("writing the XDP object: %s", strerror(errno));
			close(fd);
			return NULL;
		}
		off += (unsigned long)n;
	}
	obj_fd = fd;
	snprintf(obj_path, sizeof(obj_path), "/proc/self/fd/%d", fd);
	return obj_path;
}

/* Addresses this process put on interfaces, removed again by xdp_port_teardown(). */
static struct {
	unsigned ifindex;
	struct pg_prefix a;
} added[PG_MAX_PORTS * PG_MAX_ADDRS];
static unsigned n_added;

/* The maps of the XDP program attached to ifindex, by name. */
static int maps_find(unsigned ifindex, int *local4, int *local6, int *cfgmap)
{
	__u32 prog_id = 0, map_ids[16], len;
	struct bpf_prog_info info;
	int prog_fd, ret;

	*local4 = *local6 = *cfgmap = -1;
	ret = bpf_xdp_query_id((int)ifindex, 0, &prog_id);
	if (ret < 0 || prog_id == 0)
		return ret < 0 ? ret : -ENOENT;
	prog_fd = bpf_prog_get_fd_by_id(prog_id);
	if (prog_fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = PG_ARRAY_SIZE(map_ids);
	info.map_ids = (__u64)(uintptr_t)map_ids;
	len = sizeof(info);
	ret = bpf_obj_get_info_by_fd(prog_fd, &info, &len);
	close(prog_fd);
	if (ret < 0)
		return -errno;
	for (__u32 i = 0; i < info.nr_map_ids && i < PG_ARRAY_SIZE(map_ids); i++) {
		struct bpf_map_info mi;
		__u32 mlen = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(map_ids[i]);
		if (fd < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		if (bpf_obj_get_info_by_fd(fd, &mi, &mlen) == 0) {
			int *slot = strcmp(mi.name, "pg_local4") == 0	? local4
				    : strcmp(mi.name, "pg_local6") == 0 ? local6
				    : strcmp(mi.name, "pg_cfg") == 0	? cfgmap
									: NULL;
			if (slot && *slot < 0) {
				*slot = fd;
				continue;
			}
		}
		close(fd);
	}
	if (*local4 < 0 || *local6 < 0 || *cfgmap < 0) {
		if (*local4 >= 0)
			close(*local4);
		if (*local6 >= 0)
			close(*local6);
		if (*cfgmap >= 0)
			close(*cfgmap);
		return -ENOENT;
	}
	return 0;
}

int xdp_port_setup(const char *ifname, const struct pg_prefix *addrs, unsigned n_addrs,
		   const struct pg_ip *locals, unsigned n_locals, uint16_t vxlan_port_be)
{
	unsigned ifindex = if_nametoindex(ifname);
	int local4, local6, cfgmap, ret;
	__u32 one = 1, zero = 0, port = vxlan_port_be;

	if (ifindex == 0)
		return -ENODEV;
	ret = maps_find(ifindex, &local4, &local6, &cfgmap);
	if (ret < 0) {
		LOG_ERR("%s: Peregrine's XDP program is not attached (%s)", ifname, strerror(-ret));
		return ret;
	}
	ret = bpf_map_update_elem(cfgmap, &zero, &port, BPF_ANY) < 0 ? -errno : 0;
	for (unsigned i = 0; i < n_addrs && ret == 0; i++) {
		const struct pg_prefix *a = &addrs[i];
		if (a->ip.family == AF_INET)
			ret = bpf_map_update_elem(local4, &a->ip.v4, &one, BPF_ANY);
		else
			ret = bpf_map_update_elem(local6, a->ip.v6, &one, BPF_ANY);
		if (ret < 0)
			ret = -errno;
	}
	for (unsigned i = 0; i < n_locals && ret == 0; i++) {
		const struct pg_ip *a = &locals[i];
		ret = a->family == AF_INET ? bpf_map_update_elem(local4, &a->v4, &one, BPF_ANY)
					   : bpf_map_update_elem(local6, a->v6, &one, BPF_ANY);
		if (ret < 0)
			ret = -errno;
	}
	close(local4);
	close(local6);
	close(cfgmap);
	if (ret < 0) {
		LOG_ERR("%s: filling the XDP maps: %s", ifname, strerror(-ret));
		return ret;
	}
	/* The kernel terminates the router's traffic on this interface: give it the addresses. */
	for (unsigned i = 0; i < n_addrs; i++) {
		char b[PG_PREFIX_FMT_LEN];
		ret = exc_if_addr(ifindex, &addrs[i], true, true);
		if (ret == -EEXIST)
			continue; /* the operator's own: leave it there at exit */
		if (ret < 0) {
			LOG_ERR("%s: adding address %s: %s", ifname, fmt_prefix(&addrs[i], b),
				strerror(-ret));
			return ret;
		}
		if (n_added < PG_ARRAY_SIZE(added)) {
			added[n_added].ifindex = ifindex;
			added[n_added++].a = addrs[i];
		}
	}
	return 0;
}

void xdp_teardown(void)
{
	for (unsigned i = 0; i < n_added; i++)
		exc_if_addr(added[i].ifindex, &added[i].a, false, false);
	n_added = 0;
	if (obj_fd >= 0)
		close(obj_fd);
	obj_fd = -1;
}
