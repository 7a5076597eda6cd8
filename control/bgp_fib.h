/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* Connect the BGP RIB to the fast-path tables (control/bgp_fib.c). */
void bgp_fib_attach(void);
