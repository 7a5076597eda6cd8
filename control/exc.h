/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "config.h"
#include "dp.h"

struct exc_stats {
	uint64_t to_kernel, from_kernel, injected, inject_dropped, no_tap, tap_write_errors;
};
extern struct exc_stats exc_stats;

int exc_tap_create(struct dp_port *p, const struct cfg_port *cp);
void exc_tap_close(struct dp_port *p);
/* Queue a complete frame for transmission on port (takes ownership). */
void exc_inject(uint16_t port, struct rte_mbuf *m);
/* Handle up to budget punted packets; returns how many. */
unsigned exc_punt_drain(unsigned budget);
/* Move up to budget frames from the port's TAP to its inject ring. */
unsigned exc_tap_read(struct dp_port *p, unsigned budget);
/* Add (excl: fail with -EEXIST when present, else replace) or delete an interface address. */
int exc_if_addr(unsigned ifindex, const struct pg_prefix *a, bool add, bool excl);
/* Default route of gw's family via gw on interface ifindex (in the current namespace). */
int exc_if_default_route(unsigned ifindex, const struct pg_ip *gw);
/* MTU and up on a Linux interface (in the current namespace). */
int exc_if_up(const char *ifname, uint16_t mtu);
