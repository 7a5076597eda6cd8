/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * ICMP errors for packets the workers dropped (TTL/hop limit expired, too big for the next hop):
 * time exceeded and destination unreachable / fragmentation needed (RFC 792, 1191, 1812), ICMPv6
 * time exceeded and packet too big (RFC 4443). Built on the control thread, sent back out of the
 * port the packet came in on, to the MAC it came from, from that port's address.
 */

#include <stdint.h>

#include <rte_mbuf.h>

struct icmp_stats {
	uint64_t sent4, sent6, suppressed;
};
extern struct icmp_stats icmp_stats;

/* Consumes m (punted with PUNT_ICMP_ERROR). */
void icmp_error_send(struct rte_mbuf *m);
