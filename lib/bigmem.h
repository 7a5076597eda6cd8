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
#include <stdint.h>

#define PG_BIG_MIN (1u << 20)
#define PG_HUGE_2M (2u << 20)

void *pg_big_alloc(size_t size, bool populate);
void pg_big_free(void *p, size_t size, bool populate);

/*
 * Zeroed memory that grows with use: page-aligned anonymous memory of size bytes (rounded up to
 * 4 KiB), not faulted in. pg_fresh_populate() faults a range of it in with one call instead of a
 * page fault per 4 KiB page (MADV_POPULATE_WRITE; Linux >= 5.14, otherwise each page is written
 * once): for arrays and pools about to be written, each fault costs an exception, the page
 * clearing and the memory cgroup charge, and the exception is what the batch saves. Written, not
 * read, first: no zero-page mapping and later copy-on-write. Free with pg_fresh_free and the same
 * size. Any thread; NULL when out of memory.
 */
void *pg_fresh_alloc(size_t size);
void pg_fresh_populate(void *p, size_t len);
void pg_fresh_free(void *p, size_t size);

/*
 * The 4 KiB pages of [p, p + len) written before anything reads them. A table that is not
 * faulted in is touched as routes arrive, and painting reads an entry before writing it: the read
 * would map the shared zero page and the write then copy it, which takes a TLB shootdown (an IPI to
 * every CPU the process runs on: on the benchmark VM, half the time of a 100k-route EVPN feed). A
 * locked OR of 0 is one write access: the kernel maps a fresh page at once.
 */
static inline void pg_touch_pages(void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)4095, end = (uintptr_t)p + len;

	for (; a < end; a += 4096)
		__atomic_fetch_or((uint8_t *)(a < (uintptr_t)p ? (uintptr_t)p : a), 0,
				  __ATOMIC_RELAXED);
}
