/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdint.h>

/* Register the "show bgp ..." management commands (control/bgp_cli.c). router_id: network order. */
void bgp_cli_register(uint32_t asn, uint32_t router_id);
