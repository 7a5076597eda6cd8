/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Large arrays in ordinary (not DPDK) memory, size zeroed bytes. With populate (and size >=
 * PG_BIG_MIN): 2 MiB aligned, transparent huge pages asked for (madvise; the kernel gives them
 * where THP is "madvise" or "always") and faulted in at once (best effort): for fixed-size tables
 * that are read or written anywhere, one 2 MiB page instead of 512 4 KiB ones means no TLB miss.
 * Otherwise calloc: 4 KiB pages touched as used, so memory follows use (and faulting in huge
 * pages piecemeal while a feed arrives was measured slower on the benchmark VM).
 * Free with the same size and populate. Any thread; NULL when out of memory.
 */

#include <stdbool.h>
#include <stddef.h>

#define PG_BIG_MIN (1u << 20)
#define PG_HUGE_2M (2u << 20)

void *pg_big_alloc(size_t size, bool populate);
void pg_big_free(void *p, size_t size, bool populate);
