/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-packet arithmetic of dataplane/pkt.h against DPDK's reference implementations:
 * IPv4 header checksum test (good, corrupted and random headers), the 32 -> 16 bit fold,
 * CRC32-C and byte swaps. No EAL needed.
 */
#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>

#include "pkt.h"
#include "unit.h"

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint64_t rnd64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The reference: fold with a loop, exactly as RFC 1071 describes it. */
static uint16_t fold_ref(uint32_t t)
{
	while (t >> 16)
		t = (t & 0xffff) + (t >> 16);
	return (uint16_t)t;
}

static void test_cksum(void)
{
	/* 2-byte aligned like a header after a 14-byte Ethernet header. */
	uint8_t buf[2 + 20] __attribute__((aligned(8)));
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 2);
	unsigned bad_good = 0, bad_bad = 0, bad_rand = 0;

	for (unsigned i = 0; i < 1000000; i++) {
		for (unsigned k = 0; k < 20; k++)
			buf[2 + k] = (uint8_t)rnd64();
		/* Every third header is skewed towards the edge cases of the fold (0x0000/0xffff
		 * words, sums that carry out of 32 bits). */
		if (i % 3 == 0)
			for (unsigned k = 0; k < 20; k++)
				buf[2 + k] = (rnd64() & 1) ? 0xff : 0x00;
		bool ref = rte_raw_cksum(ip, 20) == 0xffff;
		if (ip4_cksum20_ok(ip) != ref)
			bad_rand++;
		ip->version_ihl = 0x45; /* rte_ipv4_cksum sums IHL words */
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		if (!ip4_cksum20_ok(ip) || !ip4_cksum_ok(ip, 20))
			bad_good++;
		/* One flipped bit always changes a one's complement sum. */
		unsigned bit = (unsigned)(rnd64() % 160);
		buf[2 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (ip4_cksum20_ok(ip))
			bad_bad++;
	}
	CHECK(bad_rand == 0, "%u random headers judged differently from rte_raw_cksum", bad_rand);
	CHECK(bad_good == 0, "%u correct headers rejected", bad_good);
	CHECK(bad_bad == 0, "%u corrupted headers accepted", bad_bad);

	/* Options: the generic path. */
	uint8_t opt[2 + 24] __attribute__((aligned(8)));
	struct rte_ipv4_hdr *ip6w = (struct rte_ipv4_hdr *)(opt + 2);
	for (unsigned k = 0; k < 24; k++)
		opt[2 + k] = (uint8_t)(k * 37 + 1);
	ip6w->version_ihl = 0x46;
	ip6w->hdr_checksum = 0;
	ip6w->hdr_checksum = (uint16_t)~rte_raw_cksum(ip6w, 24);
	CHECK(ip4_cksum_ok(ip6w, 24), "24-byte header with a correct checksum rejected");
	opt[2 + 21] ^= 0x10;
	CHECK(!ip4_cksum_ok(ip6w, 24), "24-byte header with a corrupted option accepted");
}

static void test_fold(void)
{
	static const uint32_t edge[] = {0,	    1,		0xffff,	    0x10000,	0x1fffe,
					0xfffeffff, 0xffff0000, 0xffffffff, 0x8000ffff, 0x0001ffff};
	unsigned bad = 0;

	for (unsigned i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		CHECK(pg_csum_fold32(edge[i]) == fold_ref(edge[i]), "fold(%#x) = %#x, want %#x",
		      edge[i], pg_csum_fold32(edge[i]), fold_ref(edge[i]));
	for (unsigned i = 0; i < 1000000; i++) {
		uint32_t t = (uint32_t)rnd64();
		bad += pg_csum_fold32(t) != fold_ref(t);
	}
	CHECK(bad == 0, "%u random folds differ from the reference", bad);
}

static void test_crc_bswap(void)
{
	unsigned bad32 = 0, bad64 = 0, badsw = 0;

	for (unsigned i = 0; i < 100000; i++) {
		uint64_t x = rnd64();
		uint32_t init = (uint32_t)rnd64();
		bad32 += pg_crc32_u32((uint32_t)x, init) != rte_hash_crc_4byte((uint32_t)x, init);
		bad64 += pg_crc32_u64(x, init) != rte_hash_crc_8byte(x, init);
		badsw += pg_bswap16(x) != rte_be_to_cpu_16((uint16_t)x) ||
			 pg_bswap32(x) != rte_be_to_cpu_32((uint32_t)x);
	}
	CHECK(bad32 == 0, "%u crc32 (4 bytes) differ from rte_hash_crc_4byte", bad32);
	CHECK(bad64 == 0, "%u crc32 (8 bytes) differ from rte_hash_crc_8byte", bad64);
	CHECK(badsw == 0, "%u byte swaps differ from rte_be_to_cpu", badsw);
	/* Known value: the CRC32-C (Castagnoli, RFC 3720) of four zero bytes is 0x48674bc7, the
	 * inverse of the register after running them from ~0. */
	CHECK(~pg_crc32_u32(0, 0xffffffff) == 0x48674bc7, "crc32c(0, ~0) = %#x",
	      pg_crc32_u32(0, 0xffffffff));
}

int main(void)
{
	test_cksum();
	test_fold();
	test_crc_bswap();
	return unit_done("pkt");
}
