/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Kernel isolation for interfaces attached with AF_PACKET: AF_PACKET only taps the interface, so
 * the kernel would also answer ARP and deliver IP packets itself (duplicates next to our TAP).
 * We attach a two-instruction tc ingress program that drops everything after the packet taps have
 * seen it, and disable IPv6 on the interface so the kernel sends nothing on it either.
 */

int kiso_attach(const char *ifname);
void kiso_detach(const char *ifname);
/* Turn off TX checksum/segmentation offloads on the kernel side is the peer's job; this only
 * reports whether the interface exists. */
int kiso_ifindex(const char *ifname);
