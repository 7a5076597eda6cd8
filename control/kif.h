/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Kernel interfaces over rtnetlink (libmnl), for what an OpenPERouter configuration leaves to the
 * host: the addresses of an underlay interface listed without addresses, and the Linux bridge an
 * L2VNI's host interface joins (hostMaster).
 */

#include <stdbool.h>

#include "addr.h"

/* The IPv4 and IPv6 addresses of interface ifname with their prefix lengths, link-local IPv6
 * left out, at most max. Returns how many, or -errno (-ENODEV: no such interface). */
int kif_addrs(const char *ifname, struct pg_prefix *out, unsigned max);
/* Create a link of a kind ("bridge", "dummy"), down. 0, -EEXIST or -errno. */
int kif_link_add(const char *name, const char *kind);
int kif_link_del(const char *name);
/* Make ifname a port of bridge master (NULL: none) and bring both up. 0 or -errno. */
int kif_set_master(const char *ifname, const char *master);
/* The bridge ifname is a port of, into master (empty when none). 0 or -errno. */
int kif_get_master(const char *ifname, char master[16]);
