/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Large arrays in ordinary (not DPDK) memory: size zeroed bytes, 2 MiB aligned, with transparent
 * huge pages asked for (madvise; the kernel gives them where THP is "madvise" or "always") from
 * PG_BIG_MIN bytes on, smaller ones from calloc. Untouched until used, unless populate: then
 * faulted in at once (best effort). One 2 MiB page instead of 512 4 KiB ones means no TLB miss
 * and one page fault per 2 MiB for tables a feed of random prefixes touches everywhere.
 * Free with the same size. Any thread; NULL when out of memory.
 */

#include <stdbool.h>
#include <stddef.h>

#define PG_BIG_MIN (1u << 20)
#define PG_HUGE_2M (2u << 20)

void *pg_big_alloc(size_t size, bool populate);
void pg_big_free(void *p, size_t size);
