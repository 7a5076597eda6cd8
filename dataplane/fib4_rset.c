/* SPDX-License-Identifier: BSD-3-Clause */
/* The IPv4 route set's allocation (fib4_rset.h). */
#include <errno.h>
#include <string.h>

#include "bigmem.h"
#include "fib4_rset.h"

/* Slots for n routes at a load of at most 3/4. */
static uint8_t slot_bits(unsigned n)
{
	uint8_t bits = 10;

	while (((uint64_t)1 << bits) * 3 < (uint64_t)n * 4)
		bits++;
	return bits;
}

/* A new slot array of 2^bits, the routes moved in. A dense set's first one, sized for the routes
 * it is expected to get, is faulted in at once (random prefixes touch all of it); other arrays
 * are zeroed here, i.e. written before the probes read them (no zero-page copy-on-write later,
 * see pg_touch_pages in lib/bigmem.h). */
int fib4_rset_resize(struct fib4_rset *rs, uint8_t bits)
{
	struct fib4_route *old = rs->slot;
	size_t old_n = old ? (size_t)rs->mask + 1 : 0;
	bool pop = old == NULL && rs->dense;
	struct fib4_route *s = pg_big_alloc(((size_t)1 << bits) * sizeof(*s), pop);

	if (s == NULL)
		return -ENOMEM;
	if (!pop)
		explicit_bzero(s,
			       ((size_t)1 << bits) * sizeof(*s)); /* gcc may make memset a no-op */
	rs->slot = s;
	rs->bits = bits;
	rs->mask = (uint32_t)(((size_t)1 << bits) - 1);
	for (size_t i = 0; i < old_n; i++)
		if (old[i].nh != 0)
			fib4_rset_place(rs, &old[i]);
	pg_big_free(old, old_n * sizeof(*old), rs->slot_pop);
	rs->slot_pop = pop;
	return 0;
}

int fib4_rset_init(struct fib4_rset *rs, unsigned init_routes, bool dense)
{
	memset(rs, 0, sizeof(*rs));
	rs->dense = dense;
	return fib4_rset_resize(rs, slot_bits(init_routes));
}

void fib4_rset_fini(struct fib4_rset *rs)
{
	if (rs->slot)
		pg_big_free(rs->slot, fib4_rset_bytes(rs), rs->slot_pop);
	rs->slot = NULL;
}
