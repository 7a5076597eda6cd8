/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Network namespaces of the exception path. The control thread creates a namespace per VRF (and
 * one per host session of the default VRF) for the kernel side of those ports' TAPs, so each VRF
 * has its own kernel routing and TCP (BGP) state, like FRR's netns VRFs. Namespaces are
 * anonymous (held by file descriptor, gone when Peregrine exits): `nsenter --net=/proc/PID/fd/FD`
 * enters one (peregrinectl show interfaces gives the path).
 *
 * Only the calling thread switches namespace (setns affects one thread); sockets and TAPs keep
 * the namespace they were created in. Control thread only.
 */

#include <stdbool.h>

/* Remember the namespace Peregrine started in. 0 or -errno. */
int pg_netns_init(void);
/* A new anonymous namespace with its loopback up: its fd (>= 0) or -errno. */
int pg_netns_new(void);
/* Enter namespace fd (<= 0: stay where we are; namespace fds are > 2). 0 or -errno. */
int pg_netns_enter(int fd);
/* Back to the namespace of pg_netns_init(). */
void pg_netns_leave(void);
/* socket(2) in namespace fd (<= 0: the current one). */
int pg_netns_socket(int fd, int domain, int type, int protocol);
void pg_netns_fini(void);
