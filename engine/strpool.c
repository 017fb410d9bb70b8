/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * String interning: each distinct string is stored once and gets a dense
 * integer id, so units, therapies and instruments are compared as integers.
 * Open addressing with linear probing; the table doubles at 50% load, so
 * inserts are amortised O(1).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct ps_strpool {
	char **strs;	 /* id -> string */
	size_t *lens;	 /* id -> length */
	size_t n, cap, lcap; /* ids in use, capacities of strs and lens */
	long *slots;	 /* hash table of ids, -1 = empty */
	size_t nslots;	 /* power of two */
};

uint64_t ps_hash_bytes(const void *p, size_t len, uint64_t seed)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ULL ^ seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	/* splitmix64 finaliser: FNV alone clusters in the low bits */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

int ps_reserve(void **ptr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 16;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if (elem && ncap > SIZE_MAX / elem)
		return -1;
	p = realloc(*ptr, ncap * elem);
	if (!p)
		return -1;
	*ptr = p;
	*cap = ncap;
	return 0;
}

ps_strpool *ps_strpool_new(void)
{
	ps_strpool *pool = calloc(1, sizeof *pool);
	size_t i;

	if (!pool)
		return NULL;
	pool->nslots = 64;
	pool->slots = malloc(pool->nslots * sizeof *pool->slots);
	if (!pool->slots) {
		free(pool);
		return NULL;
	}
	for (i = 0; i < pool->nslots; i++)
		pool->slots[i] = -1;
	return pool;
}

void ps_strpool_free(ps_strpool *pool)
{
	size_t i;

	if (!pool)
		return;
	for (i = 0; i < pool->n; i++)
		free(pool->strs[i]);
	free(pool->strs);
	free(pool->lens);
	free(pool->slots);
	free(pool);
}

static size_t probe(const ps_strpool *pool, const char *s, size_t len)
{
	size_t mask = pool->nslots - 1;
	size_t i = (size_t)ps_hash_bytes(s, len, 0) & mask;

	for (;;) {
		long id = pool->slots[i];
		if (id < 0 || (pool->lens[id] == len && memcmp(pool->strs[id], s, len) == 0))
			return i;
		i = (i + 1) & mask;
	}
}

static int grow_table(ps_strpool *pool)
{
	size_t nslots = pool->nslots * 2, i;
	long *slots = malloc(nslots * sizeof *slots);
	long *old = pool->slots;

	if (!slots)
		return -1;
	for (i = 0; i < nslots; i++)
		slots[i] = -1;
	pool->slots = slots;
	pool->nslots = nslots;
	for (i = 0; i < pool->n; i++)
		pool->slots[probe(pool, pool->strs[i], pool->lens[i])] = (long)i;
	free(old);
	return 0;
}

long ps_strpool_find(const ps_strpool *pool, const char *s, size_t len)
{
	if (!pool)
		return -1;
	return pool->slots[probe(pool, s, len)];
}

long ps_strpool_intern(ps_strpool *pool, const char *s, size_t len)
{
	size_t slot;
	char *copy;

	if (!pool)
		return -1;
	slot = probe(pool, s, len);
	if (pool->slots[slot] >= 0)
		return pool->slots[slot];
	if ((pool->n + 1) * 2 > pool->nslots) {
		if (grow_table(pool))
			return -1;
		slot = probe(pool, s, len);
	}
	if (ps_reserve((void **)&pool->strs, &pool->cap, pool->n + 1, sizeof *pool->strs))
		return -1;
	if (ps_reserve((void **)&pool->lens, &pool->lcap, pool->n + 1, sizeof *pool->lens))
		return -1;
	copy = malloc(len + 1);
	if (!copy)
		return -1;
	memcpy(copy, s, len);
	copy[len] = '\0';
	pool->strs[pool->n] = copy;
	pool->lens[pool->n] = len;
	pool->slots[slot] = (long)pool->n;
	return (long)pool->n++;
}

const char *ps_strpool_get(const ps_strpool *pool, long id)
{
	if (!pool || id < 0 || (size_t)id >= pool->n)
		return NULL;
	return pool->strs[id];
}

size_t ps_strpool_count(const ps_strpool *pool)
{
	return pool ? pool->n : 0;
}
