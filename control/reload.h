/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Live reload (SIGHUP, `peregrinectl reload`): the configuration file is read again and only the
 * difference is applied, leaving everything else as it runs. What can change live: static
 * routes, static neighbours, `bgp.networks`, `bgp.neighbors` (added, removed, changed: only
 * those sessions start, stop or restart), `logLevel`. Any other difference (ports, VRFs, VNIs,
 * host sessions, dataplane settings...) is refused with the first differing line of the
 * effective configuration: nothing is changed and the running configuration stays.
 */

#include <stddef.h>

#include "config.h"

struct reload_result {
	unsigned routes_added, routes_removed, routes_changed;
	unsigned neighbors_added, neighbors_removed;
	unsigned networks_added, networks_removed;
	unsigned peers_added, peers_removed, peers_changed, peer_errors;
	unsigned route_errors; /* routes of the new file that could not be installed (logged) */
	bool log_level_changed;
};

/* The file and loader options to read again (from main). */
void reload_init(const char *path, const struct config_opts *opts, struct pg_config *live);
/* Read the file again and apply the difference to the live configuration. 0, or -errno with a
 * one-line reason in err (the file's error, or what would need a restart). */
int reload_run(struct reload_result *res, char *err, size_t errlen);
/* "reload" on the management socket. */
void reload_cli_register(void);
