/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Prometheus metrics endpoint (management.metrics: "ADDR:PORT"): GET /metrics answers the text
 * exposition format (version 0.0.4) with the counters of ports, drop reasons, punt classes, VRFs,
 * VNIs, workers, the exception path and BGP peers. Served by libmicrohttpd in the control
 * thread's loop (its epoll fd in ours, no thread of its own): a scrape costs the control thread a
 * few hundred microseconds and nothing to the workers, which only keep counting.
 */

#include <stddef.h>
#include <stdio.h>

/* Start listening on "ADDR:PORT" / "[V6]:PORT" (NULL or empty: not at all); 0 or -errno
 * (logged). */
int metrics_init(const char *listen);
/* fd to watch for readability (-1 when not started). */
int metrics_fd(void);
/* Serve what is ready (non-blocking); also call it now and then for timeouts. */
void metrics_poll(void);
void metrics_fini(void);
/* The exposition text into f (the handler's body; tests call it directly). */
void metrics_write(FILE *f);
