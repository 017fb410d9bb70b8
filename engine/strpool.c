/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * String interning: each distinct string is stored once and gets a dense
 * integer id, so units, therapies and instruments are compared as integers.
 * Open addressing with linear probing; the table doubles at 50% load, so
 * inserts are amortised O(1). The strings live in large blocks rather than
 * one allocation each, which matters when every patient id is one.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A slot of the hash table: the id + 1 (0 = empty) and the string's hash,
 * so a probe touches the string itself only when the hashes agree. */
typedef struct pool_slot {
	uint32_t id1;
	uint32_t hash;
} pool_slot;

/* Strings are copied into blocks of this size that never move, so
 * ps_strpool_get's pointers stay valid; a long string gets a block of its own. */
#define POOL_BLOCK 65536

struct ps_strpool {
	const char **strs;   /* id -> string */
	uint32_t *lens;	     /* id -> length */
	size_t n, cap, lcap; /* ids in use, capacities of strs and lens */
	pool_slot *slots;    /* hash table, at most half full */
	size_t nslots;	     /* power of two */
	char **blocks;	     /* the string storage */
	size_t nblocks, bcap;
	size_t used;	     /* bytes used in the last block */
};

/* Eight bytes at a time, then splitmix64's finaliser. */
uint64_t ps_hash_bytes(const void *p, size_t len, uint64_t seed)
{
	const unsigned char *b = p;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL), w;

	for (; len >= 8; b += 8, len -= 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	if (len) {
		w = 0;
		memcpy(&w, b, len);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
	}
	return ps_mix64(h);
}

uint64_t ps_mix64(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

long ps_name_index(const char *s, const char *const *names, size_t n)
{
	size_t i;

	if (s)
		for (i = 0; i < n; i++)
			if (strcmp(s, names[i]) == 0)
				return (long)i;
	return -1;
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
	p = ps_realloc(*ptr, ncap * elem);
	if (!p)
		return -1;
	*ptr = p;
	*cap = ncap;
	return 0;
}

static int grow_table(ps_strpool *pool)
{
	size_t nslots = pool->nslots * 2, mask = nslots - 1, i, j;
	pool_slot *slots = ps_calloc(nslots, sizeof *slots);

	if (!slots)
		return -1;
	for (i = 0; i < pool->nslots; i++) {
		pool_slot sl = pool->slots[i];
		if (!sl.id1)
			continue;
		for (j = sl.hash & mask; slots[j].id1; j = (j + 1) & mask)
			;
		slots[j] = sl;
	}
	ps_free(pool->slots);
	pool->slots = slots;
	pool->nslots = nslots;
	return 0;
}

ps_strpool *ps_strpool_new(void)
{
	ps_strpool *pool = ps_calloc(1, sizeof *pool);

	if (!pool)
		return NULL;
	pool->nslots = 64;
	pool->slots = ps_calloc(pool->nslots, sizeof *pool->slots);
	if (!pool->slots) {
		ps_free(pool);
		return NULL;
	}
	return pool;
}

void ps_strpool_free(ps_strpool *pool)
{
	size_t i;

	if (!pool)
		return;
	for (i = 0; i < pool->nblocks; i++)
		ps_free(pool->blocks[i]);
	ps_free(pool->blocks);
	ps_free(pool->strs);
	ps_free(pool->lens);
	ps_free(pool->slots);
	ps_free(pool);
}

/* The slot holding s, or the empty slot where it would go. */
static size_t probe(const ps_strpool *pool, const char *s, size_t len, uint32_t hash)
{
	size_t mask = pool->nslots - 1, i;

	for (i = hash & mask;; i = (i + 1) & mask) {
		pool_slot sl = pool->slots[i];
		if (!sl.id1)
			return i;
		if (sl.hash == hash && pool->lens[sl.id1 - 1] == len &&
		    memcmp(pool->strs[sl.id1 - 1], s, len) == 0)
			return i;
	}
}

/* A stable copy of s[0..len) with a NUL after it. */
static char *store(ps_strpool *pool, const char *s, size_t len)
{
	char *copy;

	if (len + 1 > POOL_BLOCK / 4) {
		/* its own block, kept before the current one so that one stays
		 * the last */
		if (ps_reserve((void **)&pool->blocks, &pool->bcap, pool->nblocks + 1,
			       sizeof *pool->blocks) ||
		    !(copy = ps_malloc(len + 1)))
			return NULL;
		if (pool->nblocks) {
			pool->blocks[pool->nblocks] = pool->blocks[pool->nblocks - 1];
			pool->blocks[pool->nblocks - 1] = copy;
		} else {
			pool->blocks[0] = copy;
			pool->used = POOL_BLOCK;
		}
		pool->nblocks++;
	} else {
		if (!pool->nblocks || pool->used + len + 1 > POOL_BLOCK) {
			if (ps_reserve((void **)&pool->blocks, &pool->bcap, pool->nblocks + 1,
				       sizeof *pool->blocks) ||
			    !(pool->blocks[pool->nblocks] = ps_malloc(POOL_BLOCK)))
				return NULL;
			pool->nblocks++;
			pool->used = 0;
		}
		copy = pool->blocks[pool->nblocks - 1] + pool->used;
		pool->used += len + 1;
	}
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

long ps_strpool_find(const ps_strpool *pool, const char *s, size_t len)
{
	if (!pool)
		return -1;
	return (long)pool->slots[probe(pool, s, len, (uint32_t)ps_hash_bytes(s, len, 0))].id1 - 1;
}

long ps_strpool_intern(ps_strpool *pool, const char *s, size_t len)
{
	uint32_t hash;
	size_t slot;
	const char *copy;

	if (!pool || len >= UINT32_MAX)
		return -1;
	hash = (uint32_t)ps_hash_bytes(s, len, 0);
	slot = probe(pool, s, len, hash);
	if (pool->slots[slot].id1)
		return (long)pool->slots[slot].id1 - 1;
	if (pool->n >= INT32_MAX - 1) /* ids are int32_t where they are stored */
		return -1;
	if ((pool->n + 1) * 2 > pool->nslots) {
		if (grow_table(pool))
			return -1;
		slot = probe(pool, s, len, hash);
	}
	if (ps_reserve((void **)&pool->strs, &pool->cap, pool->n + 1, sizeof *pool->strs) ||
	    ps_reserve((void **)&pool->lens, &pool->lcap, pool->n + 1, sizeof *pool->lens) ||
	    !(copy = store(pool, s, len)))
		return -1;
	pool->strs[pool->n] = copy;
	pool->lens[pool->n] = (uint32_t)len;
	pool->slots[slot].id1 = (uint32_t)(pool->n + 1);
	pool->slots[slot].hash = hash;
	return (long)pool->n++;
}

const char *ps_strpool_get(const ps_strpool *pool, long id)
{
	if (!pool || id < 0 || (size_t)id >= pool->n)
		return NULL;
	return pool->strs[id];
}

int ps_strpool_equal(const ps_strpool *pool, long id, const char *s, size_t len)
{
	if (!pool || id < 0 || (size_t)id >= pool->n)
		return 0;
	return pool->lens[id] == len && memcmp(pool->strs[id], s, len) == 0;
}

size_t ps_strpool_count(const ps_strpool *pool)
{
	return pool ? pool->n : 0;
}
