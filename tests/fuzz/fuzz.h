/*
 * What the libFuzzer harnesses in tests/fuzz/ share: the entry points
 * libFuzzer calls, the input as a C string, a private temporary directory,
 * and FUZZ_CHECK for the properties each harness asserts beyond "does not
 * crash" (a failed check aborts, which libFuzzer reports as a crash).
 */
#ifndef DQ_FUZZ_H
#define DQ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a new NUL-terminated string (an inner NUL ends it early). */
char	*fuzz_str(const uint8_t *data, size_t size);
/* This process's own temporary directory, made on first use and removed
 * at exit. */
const char *fuzz_dir(void);
/* Replace the file at path with data; 0 or -1. */
int	fuzz_write(const char *path, const void *data, size_t size);

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

#endif
