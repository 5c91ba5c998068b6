/* What the libFuzzer harnesses (tests/fuzz/fuzz_*.c) share.  Each harness
 * is one binary with one LLVMFuzzerTestOneInput(); `make fuzz` builds them
 * with clang's -fsanitize=fuzzer,address,undefined and runs each on its
 * seed corpus, tests/fuzz/<target>/.
 *
 * Several parsers read more than one text (a run directory holds three
 * files; a profile comes with -o overrides).  Such a harness cuts its input
 * into parts at lines holding only FUZZ_SEPARATOR, so a seed stays a
 * readable text file and the fuzzer can grow each part on its own. */
#ifndef PT_FUZZ_H
#define PT_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FUZZ_SEPARATOR "--8<--"
#define FUZZ_MAX_PARTS 8

/* The input cut at FUZZ_SEPARATOR lines: part[i] is NUL-terminated and
 * len[i] long (a part may hold NULs of its own: len counts them). */
struct fuzz_parts {
    char *part[FUZZ_MAX_PARTS];
    size_t len[FUZZ_MAX_PARTS];
    size_t n;                       /* at least 1 */
    char *copy;                     /* owns every part */
};

void fuzz_split(const uint8_t *data, size_t size, struct fuzz_parts *p);
void fuzz_parts_release(struct fuzz_parts *p);
/* 'data' as a malloc'ed NUL-terminated string: the text parsers take C
 * strings, and libFuzzer's buffer has no terminator. */
char *fuzz_cstr(const uint8_t *data, size_t size);

/* A folder of this process's own under $TMPDIR (made once, removed at
 * exit), for parsers that read files by path. */
const char *fuzz_tmpdir(void);
/* <fuzz_tmpdir()>/<name>, malloc'ed. */
char *fuzz_path(const char *name);
/* Writes 'len' bytes to <fuzz_tmpdir()>/<name>, or removes the file when
 * 'data' is NULL (a run directory may lack a file).  Aborts on an I/O
 * error: the harness, not the parser, failed then. */
void fuzz_put(const char *name, const void *data, size_t len);

/* Says what check failed and aborts: libFuzzer then keeps the input as
 * a crash, like a sanitizer's finding. */
void fuzz_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* fuzz_util.c also defines LLVMFuzzerInitialize(), which quiets the
 * library's log: a parser that warns on every bad line would spend the
 * fuzzer's time writing to stderr. */

#endif
