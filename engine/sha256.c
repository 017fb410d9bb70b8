/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * SHA-256 (FIPS 180-4), so a report can name exactly which extract it read.
 *
 * Hashing every input byte costs as much as parsing it in portable C, so
 * on x86 processors with the SHA extensions (Intel SHA-NI: CPUID leaf 7,
 * EBX bit 29) the compression function runs on those instructions instead.
 * The choice is made at run time, so one binary runs everywhere; both
 * paths are checked against the FIPS 180-4 example vectors.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && defined(__has_include)
#if __has_include(<immintrin.h>) && __has_include(<cpuid.h>)
#define PS_SHA_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif
#endif

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void block(uint32_t *hs, const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = hs[0], b = hs[1], c = hs[2], d = hs[3];
	e = hs[4], f = hs[5], g = hs[6], h = hs[7];
	for (i = 0; i < 64; i++) {
		uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) +
			      K[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	hs[0] += a, hs[1] += b, hs[2] += c, hs[3] += d;
	hs[4] += e, hs[5] += f, hs[6] += g, hs[7] += h;
}

static void blocks_portable(uint32_t *h, const unsigned char *p, size_t n)
{
	for (; n; n--, p += 64)
		block(h, p);
}

#ifdef PS_SHA_NI
/*
 * The SHA-NI round instruction works on the state split as (A,B,E,F) and
 * (C,D,G,H) and does two rounds per call, taking W+K for them from the low
 * half of its third operand. Message words for rounds 16..63 come four at a
 * time from the previous sixteen: sha256msg1 adds sigma0 of the next word,
 * the W[t-7] terms are added by hand, and sha256msg2 adds sigma1 (FIPS
 * 180-4 section 6.2.2 step 1).
 */
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_shani(uint32_t *h,
								     const unsigned char *p,
								     size_t n)
{
	/* big-endian words to little-endian lanes */
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i abcd = _mm_loadu_si128((const __m128i *)&h[0]);
	__m128i efgh = _mm_loadu_si128((const __m128i *)&h[4]);
	__m128i abef, cdgh, t;

	/* lanes (low to high) a b c d / e f g h -> f e b a / h g d c */
	abcd = _mm_shuffle_epi32(abcd, 0xB1); /* b a d c */
	efgh = _mm_shuffle_epi32(efgh, 0x1B); /* h g f e */
	abef = _mm_alignr_epi8(abcd, efgh, 8); /* f e b a */
	cdgh = _mm_blend_epi16(efgh, abcd, 0xF0); /* h g d c */
	for (; n; n--, p += 64) {
		__m128i m[4], save0 = abef, save1 = cdgh, wk;
		int i;

		for (i = 0; i < 4; i++)
			m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
		for (i = 0; i < 16; i++) {
			if (i >= 4) {
				/* m[i & 3] holds W[4i-16..4i-13]; the others W[4i-12..4i-1] */
				t = _mm_sha256msg1_epu32(m[i & 3], m[(i + 1) & 3]);
				t = _mm_add_epi32(t, _mm_alignr_epi8(m[(i + 3) & 3], m[(i + 2) & 3], 4));
				m[i & 3] = _mm_sha256msg2_epu32(t, m[(i + 3) & 3]);
			}
			wk = _mm_add_epi32(m[i & 3], _mm_loadu_si128((const __m128i *)&K[4 * i]));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
			wk = _mm_shuffle_epi32(wk, 0x0E);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, wk);
		}
		abef = _mm_add_epi32(abef, save0);
		cdgh = _mm_add_epi32(cdgh, save1);
	}
	t = _mm_shuffle_epi32(abef, 0x1B);	  /* a b e f */
	cdgh = _mm_shuffle_epi32(cdgh, 0xB1);	  /* g h c d */
	abcd = _mm_blend_epi16(t, cdgh, 0xF0);	  /* a b c d */
	efgh = _mm_alignr_epi8(cdgh, t, 8);	  /* e f g h */
	_mm_storeu_si128((__m128i *)&h[0], abcd);
	_mm_storeu_si128((__m128i *)&h[4], efgh);
}

static int have_shani(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3))
		return 0;
	if (__get_cpuid_max(0, NULL) < 7)
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	return (b >> 29) & 1;
}
#endif

/* 0 = not chosen yet, 1 = portable, 2 = SHA-NI */
static int path;

static void blocks(uint32_t *h, const unsigned char *p, size_t n)
{
#ifdef PS_SHA_NI
	if (!path)
		path = have_shani() ? 2 : 1;
	if (path == 2) {
		blocks_shani(h, p, n);
		return;
	}
#endif
	blocks_portable(h, p, n);
}

int ps_sha256_portable(int on)
{
#ifdef PS_SHA_NI
	path = on ? 1 : have_shani() ? 2 : 1;
	return path == 2;
#else
	(void)on;
	return 0;
#endif
}

void ps_sha256_init(ps_sha256 *s)
{
	static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	memcpy(s->h, h0, sizeof h0);
	s->len = 0;
	s->nbuf = 0;
}

void ps_sha256_update(ps_sha256 *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	s->len += len;
	if (s->nbuf) {
		size_t take = 64 - s->nbuf < len ? 64 - s->nbuf : len;
		memcpy(s->buf + s->nbuf, p, take);
		s->nbuf += take, p += take, len -= take;
		if (s->nbuf < 64)
			return;
		blocks(s->h, s->buf, 1);
		s->nbuf = 0;
	}
	if (len >= 64) {
		blocks(s->h, p, len / 64);
		p += len / 64 * 64;
		len %= 64;
	}
	memcpy(s->buf, p, len);
	s->nbuf = len;
}

void ps_sha256_hex(ps_sha256 *s, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t bits = s->len * 8;
	unsigned char pad[72] = { 0x80 };
	size_t npad = (s->nbuf < 56 ? 56 : 120) - s->nbuf;
	int i;

	for (i = 0; i < 8; i++)
		pad[npad + i] = (unsigned char)(bits >> (56 - 8 * i));
	ps_sha256_update(s, pad, npad + 8);
	for (i = 0; i < 32; i++) {
		unsigned char byte = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
		out[2 * i] = hex[byte >> 4];
		out[2 * i + 1] = hex[byte & 15];
	}
	out[64] = '\0';
}

int promstat_sha256_stream(FILE *f, char hex[65])
{
	unsigned char buf[65536];
	ps_sha256 s;
	size_t n;

	ps_sha256_init(&s);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		ps_sha256_update(&s, buf, n);
	if (ferror(f))
		return -1;
	ps_sha256_hex(&s, hex);
	return 0;
}
