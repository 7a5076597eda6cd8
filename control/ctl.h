/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* Control thread globals. */

#include "config.h"

/* The configuration in force (control thread only). */
const struct pg_config *ctl_cfg(void);
/* Register the management commands (cli.c). */
void cli_register(void);
