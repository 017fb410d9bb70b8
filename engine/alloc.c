/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The engine's one way to get memory: every allocation and every release
 * goes through the allocator set with promstat_set_allocator(), so that a
 * caller can bound, count or fail them (the out-of-memory tests fail the
 * n-th allocation for every n). Modelled on Lua's lua_Alloc: one function
 * that allocates, resizes and frees.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "internal.h"

/* The C library's allocator, in promstat_alloc_fn's shape. */
static void *default_alloc(void *ud, void *ptr, size_t size)
{
	(void)ud;
	if (size == 0) {
		free(ptr);
		return NULL;
	}
	return realloc(ptr, size);
}

static promstat_alloc_fn alloc_fn = default_alloc;
static void *alloc_ud;

void promstat_set_allocator(promstat_alloc_fn fn, void *ud)
{
	alloc_fn = fn ? fn : default_alloc;
	alloc_ud = fn ? ud : NULL;
}

void promstat_get_allocator(promstat_alloc_fn *fn, void **ud)
{
	if (fn)
		*fn = alloc_fn == default_alloc ? NULL : alloc_fn;
	if (ud)
		*ud = alloc_ud;
}

void promstat_free(void *p)
{
	ps_free(p);
}

/* Sizes of 0 are asked for as 1 byte: the allocator reserves size 0 for
 * "free", and the engine's callers treat NULL as failure. */
void *ps_malloc(size_t n)
{
	return alloc_fn(alloc_ud, NULL, n ? n : 1);
}

void *ps_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = ps_malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *ps_realloc(void *p, size_t n)
{
	return alloc_fn(alloc_ud, p, n ? n : 1);
}

void ps_free(void *p)
{
	if (p)
		alloc_fn(alloc_ud, p, 0);
}

char *ps_strdup(const char *s)
{
	return ps_strndup(s, strlen(s));
}

char *ps_strndup(const char *s, size_t len)
{
	char *d;

	if (len == SIZE_MAX)
		return NULL;
	d = ps_malloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}
