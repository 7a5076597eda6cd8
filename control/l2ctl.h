/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * L2VNIs in the control thread: the bridge domains of the configuration, the only writer of the
 * FDB (MACs learned by the workers, their ageing, MACs behind remote VTEPs from EVPN type-2) and
 * of the flood lists (remote VTEPs from EVPN type-3), and the type-2 routes of local MACs.
 *
 * MAC mobility (RFC 7432 §15): a MAC learned here that was behind a VTEP is announced with the
 * sequence number one above the remote one; a remote route with a higher sequence than ours takes
 * the MAC away (and withdraws our route); sticky remote MACs never move.
 */

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"

/* After the ports and the VNI table exist. 0 or -errno (logged). */
int l2ctl_setup(const struct pg_config *cfg);
void l2ctl_fini(void);
/* Drain the workers' learn events; age MACs once a second. */
void l2ctl_poll(uint64_t now_ms);
/* Announce the type-2 routes of the MACs learned so far (after BGP started). */
void l2ctl_bgp_sync(void);

/* From the BGP RIB (see struct rib_fib_ops). */
int l2ctl_remote_mac_set(uint16_t bd, const struct pg_mac *mac, const struct pg_ip *vtep,
			 uint32_t seq, bool sticky);
int l2ctl_remote_mac_del(uint16_t bd, const struct pg_mac *mac);
int l2ctl_flood_set(uint16_t bd, const struct pg_ip *vtep, bool add);
int l2ctl_arp_set(uint16_t bd, const struct pg_ip *ip, const struct pg_mac *mac);

/* The neighbour module resolved (mac) or lost (NULL) host ip behind gateway port port: announce
 * (withdraw) its type-2 MAC/IP with the L3VNI of the gateway's VRF. */
void l2ctl_gateway_host(uint16_t port, const struct pg_ip *ip, const struct pg_mac *mac);

void l2ctl_cli_register(void);
