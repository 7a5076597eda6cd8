/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "bigmem.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

static inline size_t huge_ceil(size_t n)
{
	return (n + PG_HUGE_2M - 1) & ~(size_t)(PG_HUGE_2M - 1);
}

void *pg_big_alloc(size_t size, bool populate)
{
	if (size < PG_BIG_MIN || !populate)
		return calloc(1, size);
	size_t len = huge_ceil(size);
	uint8_t *p = mmap(NULL, len + PG_HUGE_2M, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	uint8_t *a = (uint8_t *)huge_ceil((uintptr_t)p);
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (a + len < p + len + PG_HUGE_2M)
		munmap(a + len, (size_t)(p + len + PG_HUGE_2M - (a + len)));
	madvise(a, len, MADV_HUGEPAGE);	      /* a hint: fine if refused */
	madvise(a, len, MADV_POPULATE_WRITE); /* likewise */
	return a;
}

void pg_big_free(void *p, size_t size, bool populate)
{
	if (p == NULL)
		return;
	if (size < PG_BIG_MIN || !populate)
		free(p);
	else
		munmap(p, huge_ceil(size));
}

static inline size_t page_ceil(size_t n)
{
	return (n + 4095) & ~(size_t)4095;
}

void *pg_fresh_alloc(size_t size)
{
	void *p =
	    mmap(NULL, page_ceil(size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void pg_fresh_populate(void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)4095, e = page_ceil((uintptr_t)p + len);

	if (len == 0 || madvise((void *)a, e - a, MADV_POPULATE_WRITE) == 0)
		return;
	/* Older kernels: write each page once (a locked OR of 0 is a write access). */
	for (; a < e; a += 4096)
		__atomic_fetch_or((uint8_t *)a, 0, __ATOMIC_RELAXED);
}

void pg_fresh_free(void *p, size_t size)
{
	if (p != NULL)
		munmap(p, page_ceil(size));
}
