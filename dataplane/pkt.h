/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Per-packet arithmetic shared by the workers and the tables they read: CRC32-C for hashing
 * (the SSE4.2 instruction directly when the build targets it, without rte_hash_crc's run-time
 * dispatch) and the IPv4 header checksum test.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>

/*
 * Byte swaps the compiler can see through (DPDK's rte_be_to_cpu_16 is an opaque asm statement):
 * network <-> host order on the little-endian machines DPDK runs on.
 */
#if RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN
#error "the fast path assumes a little-endian CPU"
#endif
#define pg_bswap16(x) __builtin_bswap16((uint16_t)(x))
#define pg_bswap32(x) __builtin_bswap32((uint32_t)(x))

static inline uint32_t pg_crc32_u32(uint32_t data, uint32_t init)
{
#if defined(__SSE4_2__)
	return __builtin_ia32_crc32si(init, data);
#else
	return rte_hash_crc_4byte(data, init);
#endif
}

static inline uint32_t pg_crc32_u64(uint64_t data, uint32_t init)
{
#if defined(__SSE4_2__)
	return (uint32_t)__builtin_ia32_crc32di(init, data);
#else
	return rte_hash_crc_8byte(data, init);
#endif
}

/* Fold a 32-bit one's complement sum to 16 bits (end-around carry in one add). */
static inline uint16_t pg_csum_fold32(uint32_t t)
{
	return (uint16_t)((t + (t >> 16 | t << 16)) >> 16);
}

/* One's complement sum of a 20-byte IPv4 header is 0xffff when its checksum is right. */
static inline bool ip4_cksum20_ok(const struct rte_ipv4_hdr *ip)
{
	uint64_t a, b;
	uint32_t c, t;

	memcpy(&a, ip, 8); /* the header is only 2-byte aligned */
	memcpy(&b, (const uint8_t *)ip + 8, 8);
	memcpy(&c, (const uint8_t *)ip + 16, 4);
#if defined(__x86_64__)
	uint64_t s = a;
	__asm__("addq %1, %0\n\t"
		"adcq %2, %0\n\t"
		"adcq $0, %0"
		: "+r"(s)
		: "r"(b), "r"((uint64_t)c));
	t = (uint32_t)s;
	__asm__("addl %1, %0\n\t"
		"adcl $0, %0"
		: "+r"(t)
		: "r"((uint32_t)(s >> 32)));
#else
	unsigned __int128 s128 = (unsigned __int128)a + b + c;
	uint64_t lo = (uint64_t)s128, s = lo + (uint64_t)(s128 >> 64);
	s += s < lo;
	s = (s & 0xffffffff) + (s >> 32);
	t = (uint32_t)((s & 0xffffffff) + (s >> 32));
#endif
	return pg_csum_fold32(t) == 0xffff;
}

static inline bool ip4_cksum_ok(const struct rte_ipv4_hdr *ip, uint32_t ihl)
{
	if (likely(ihl == 20))
		return ip4_cksum20_ok(ip);
	return rte_raw_cksum(ip, ihl) == 0xffff;
}
