/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* Start-up and shutdown of the dataplane (control thread, before workers run / after they stop). */

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"

struct dp_init_conf {
	unsigned mbufs;
	unsigned max_routes4, tbl8_groups, max_routes6;
	unsigned punt_rate_pps, punt_burst;
	unsigned idle_sleep_us; /* 0: workers busy-poll */
};

struct dp_port_conf {
	const char *name;
	const char *device;
	enum cfg_driver driver;
	bool has_mac;
	struct pg_mac mac;
	uint16_t mtu;
	uint16_t vrf;
	bool bridged; /* a member of bridge domain bd (an L2VNI) */
	uint16_t bd;
	uint16_t n_queues;    /* = number of workers */
	const char *xdp_prog; /* AF_XDP: our XDP program's object file, NULL for the default */
	bool attempt;	      /* failures are expected (driver auto tries AF_XDP): log as info */
};

int dp_init(const struct dp_init_conf *c);
void dp_fini(void);
bool dp_devspec_is_ifname(const char *s);
int dp_port_add(const struct dp_port_conf *pc, uint16_t *index);
/* A port without a device: the routed interface (anycast gateway) of bridge domain irb_bd. Its
 * frames are switched in the bridge domain; its inject ring is drained by worker 0. */
int dp_port_add_virtual(const struct dp_port_conf *pc, uint16_t irb_bd, uint16_t *index);
int dp_ports_start(void);
void dp_ports_stop(void);
int dp_workers_setup(unsigned n_workers);
void dp_workers_free(void);
struct dp_stats;
void dp_stats_sum(struct dp_stats *out);
