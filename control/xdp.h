/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* The kernel as exception path of AF_XDP ports (`exception: xdp`), see xdp.c. */

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"

/* Path of Peregrine's XDP object for the af_xdp driver's xdp_prog= argument (NULL on error). */
const char *xdp_prog_path(void);
/* After the port is attached: fill the program's maps, put the addresses on the interface;
 * locals (the loopbacks, which live on `lo`) go to the kernel too but stay off the interface. */
int xdp_port_setup(const char *ifname, const struct pg_prefix *addrs, unsigned n_addrs,
		   const struct pg_ip *locals, unsigned n_locals, uint16_t vxlan_port_be);
/* Remove the addresses xdp_port_setup() added; release the object. */
void xdp_teardown(void);
