/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scoped cleanup helpers: `_cleanup_(fn)` runs fn(&var) when var leaves scope.
 * Destructors used here accept NULL. TAKE_PTR/TAKE_FD hand ownership out of a
 * scope. Cleanup functions for libnl and OpenSSL types are defined here once.
 */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Return the value of *pp and set it to the null value; evaluates pp once. */
#define TAKE_GENERIC(var, type, nullvalue)                                    \
	({                                                                     \
		type *_pvar_ = &(var);                                         \
		type _val_ = *_pvar_;                                          \
		*_pvar_ = (nullvalue);                                         \
		_val_;                                                         \
	})
#define TAKE_PTR(p) TAKE_GENERIC(p, __typeof__(p), NULL)
#define TAKE_FD(fd) TAKE_GENERIC(fd, int, -EBADF)

/* Define fnp(T **p) calling fn(*p) when *p is not NULL. */
#define DEFINE_POINTER_CLEANUP(type, fn)                                        \
	static inline void fn##p(type **p)                                     \
	{                                                                      \
		if (*p)                                                        \
			fn(*p);                                                \
	}

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline int safe_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return -EBADF;
}
