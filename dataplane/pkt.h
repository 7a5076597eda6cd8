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

/*
 * The 20 bytes of an IPv4 header (only 2-byte aligned) as the fast paths read them: three loads
 * that the checks, the checksum and the fields they need share. (Read field by field, a header
 * took six; the receive loop is bound by its loads more than by its arithmetic.)
 */
struct ip4_hdr20 {
	uint64_t a; /* bytes 0-7: version/IHL, TOS, total length, id, fragment field (as stored) */
	uint64_t b; /* bytes 8-15: TTL, protocol, checksum, source address */
	uint32_t c; /* bytes 16-19: destination address */
};

static inline struct ip4_hdr20 ip4_hdr20_load(const void *hdr)
{
	struct ip4_hdr20 h;

	memcpy(&h.a, hdr, 8);
	memcpy(&h.b, (const uint8_t *)hdr + 8, 8);
	memcpy(&h.c, (const uint8_t *)hdr + 16, 4);
	return h;
}

static inline uint32_t ip4_hdr20_src(const struct ip4_hdr20 *h)
{
	return (uint32_t)(h->b >> 32);
}

static inline uint8_t ip4_hdr20_proto(const struct ip4_hdr20 *h)
{
	return (uint8_t)(h->b >> 8);
}

/*
 * End-around-carry (one's complement) sum of the 20 bytes of an IPv4 header in 64 bits. Since
 * 2^16 == 1 modulo 0xffff and 0xffff divides 2^64 - 1, it is congruent to the sum of the header's
 * 16-bit words modulo 0xffff; it is 0 only when all 20 bytes are.
 */
static inline uint64_t ip4_hdr20_sum(const struct ip4_hdr20 *h)
{
	uint64_t a = h->a;
#if defined(__x86_64__)
	__asm__("addq %1, %0\n\t"
		"adcq %2, %0\n\t"
		"adcq $0, %0"
		: "+r"(a)
		: "r"(h->b), "r"((uint64_t)h->c)
		: "cc");
	return a;
#else
	unsigned __int128 s128 = (unsigned __int128)a + h->b + h->c;
	uint64_t lo = (uint64_t)s128, s = lo + (uint64_t)(s128 >> 64);
	return s + (s < lo);
#endif
}

static inline uint64_t ip4_sum20(const void *hdr)
{
	const struct ip4_hdr20 h = ip4_hdr20_load(hdr);

	return ip4_hdr20_sum(&h);
}

/*
 * s % 0xffff == 0 without a division or a fold: s times the inverse of 0xffff modulo 2^64 is at
 * most (2^64 - 1) / 0xffff exactly for the multiples. On x86-64 both constants are memory
 * operands, so the test needs no registers for them.
 */
static const uint64_t pg_inv_ffff = 0xfffefffefffeffffull; /* 0xffff * this == 1 mod 2^64 */
static const uint64_t pg_lim_ffff = 0x0001000100010001ull; /* (2^64 - 1) / 0xffff */
static inline bool pg_mult_ffff(uint64_t s)
{
#if defined(__x86_64__) && defined(__GCC_ASM_FLAG_OUTPUTS__)
	bool ok;

	__asm__("imulq %2, %0\n\t"
		"cmpq %3, %0"
		: "+r"(s), "=@ccbe"(ok)
		: "m"(pg_inv_ffff), "m"(pg_lim_ffff));
	return ok;
#else
	return s % 0xffff == 0;
#endif
}

/*
 * The one's complement sum of a 20-byte IPv4 header is 0xffff when its checksum is right, that is
 * when ip4_sum20() is a non-zero multiple of 0xffff.
 */
static inline bool ip4_cksum20_ok(const struct rte_ipv4_hdr *ip)
{
	uint64_t s = ip4_sum20(ip);

	return s != 0 && pg_mult_ffff(s);
}

static inline bool ip4_cksum_ok(const struct rte_ipv4_hdr *ip, uint32_t ihl)
{
	if (likely(ihl == 20))
		return ip4_cksum20_ok(ip);
	return rte_raw_cksum(ip, ihl) == 0xffff;
}

/*
 * First octets of IPv4 addresses the fast path leaves to the full RFC 1812 checks:
 * [o] for a source (127/8, multicast, class E), [256 + o] for a destination (0/8, 127/8,
 * multicast, class E and limited broadcast). 32-bit entries: they are OR-ed into a 32-bit word.
 */
static const uint32_t ip4_o1_odd[512] = {
    [127] = 1, [224 ... 255] = 1, [256 + 0] = 1, [256 + 127] = 1, [256 + 224 ... 256 + 255] = 1,
};

/*
 * Zero when the 20-byte IPv4 header h is the common case: version 4 with IHL 5, total length
 * l3len, a unicast source (by ip4_o1_odd). Version, IHL and length in one compare with the TOS
 * byte masked off; l3len must be below 2^16 (a frame in one segment). The destination is
 * ip4_hdr20_odd_dst()'s.
 */
static inline uint32_t ip4_hdr20_odd_src(const struct ip4_hdr20 *h, uint32_t l3len)
{
	return ((pg_bswap32((uint32_t)h->a) & 0xff00ffff) ^ (0x45000000 + l3len)) |
	       ip4_o1_odd[(uint8_t)ip4_hdr20_src(h)];
}

/* Non-zero when the destination of h is not plain unicast (by ip4_o1_odd). */
static inline uint32_t ip4_hdr20_odd_dst(const struct ip4_hdr20 *h)
{
	return ip4_o1_odd[256 + (uint8_t)h->c];
}

/* Both: zero when the 20-byte IPv4 header at ip is the common case. */
static inline uint32_t ip4_hdr20_odd(const uint8_t *ip, uint32_t l3len)
{
	const struct ip4_hdr20 h = ip4_hdr20_load(ip);

	return ip4_hdr20_odd_src(&h, l3len) | ip4_hdr20_odd_dst(&h);
}

/*
 * TTL - 1 and the incremental checksum update of RFC 1624 as the workers do it (the checksum,
 * read as stored, + 1, where a sum reaching 0xffff takes one more: never 0xffff), both on the
 * TTL / protocol / checksum word of the header at ip. The TTL must be > 1.
 */
static inline void ip4_ttl_dec(uint8_t *ip)
{
	uint32_t v;

	memcpy(&v, ip + 8, 4); /* ttl | proto << 8 | hdr_checksum << 16 */
	v += 0xffff + ((uint32_t)(v >= 0xfffe0000u) << 16);
	memcpy(ip + 8, &v, 4);
}

/*
 * The checksum of a tunnel header template (computed with total length 0) once its total length
 * len_be (network order) is set: ~(~csum + len) in one's complement arithmetic. ~csum + len is at
 * most 0x1fffe, so one end-around carry is all it takes (a 16-bit add and add-with-carry).
 */
static inline uint16_t ip4_csum_add_len(uint16_t tmpl_csum, uint16_t len_be)
{
	uint16_t s;
	const bool carry = __builtin_add_overflow((uint16_t)~tmpl_csum, len_be, &s);

	return (uint16_t) ~(uint16_t)(s + carry);
}

/*
 * ip4_csum_add_len() in host order: the checksum of a tunnel header template once its total length
 * len (host order) is set, from the template's checksum inverted and byte-swapped (tmpl_hinv =
 * ~bswap16(csum)). The result is in host order too: stored byte-swapped (a movbe), no byte swap
 * of the length is needed, which the caller stores byte-swapped as well. One's complement sums
 * do not depend on the byte order as long as every term is swapped alike.
 */
static inline uint16_t ip4_csum_add_len_h(uint16_t tmpl_hinv, uint16_t len)
{
	uint16_t s;
	const bool carry = __builtin_add_overflow(tmpl_hinv, len, &s);

	return (uint16_t) ~(uint16_t)(s + carry);
}

/* Flow hash of an IPv4 packet (the ECMP choice and the VXLAN source port): CRC32-C of source and
 * destination seeded with the protocol, then of the ports of unfragmented TCP and UDP. The
 * fragment field and the protocol come from one load. */
static inline uint32_t flow_hash4(const struct rte_ipv4_hdr *ip)
{
	const uint8_t *h = (const uint8_t *)ip;
	uint64_t sd;
	uint32_t w;

	memcpy(&sd, h + 12, 8); /* source | destination << 32 as loaded */
	memcpy(&w, h + 6, 4);	/* fragment field (network order) | ttl << 16 | protocol << 24 */
	const uint8_t proto = (uint8_t)(w >> 24);
	uint32_t hash = pg_crc32_u64(sd << 32 | sd >> 32, proto);
	if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) &&
	    !(w & pg_bswap16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG))) {
		uint32_t ports;
		memcpy(&ports, h + ((h[0] & 0xf) << 2), 4);
		hash = pg_crc32_u32(ports, hash);
	}
	return hash;
}
