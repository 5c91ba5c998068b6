/* A growable string buffer (git's strbuf.h habit): used instead of fixed
 * char arrays + sprintf for paths, argv, JSON and HTML building. */
#ifndef PT_STRBUF_H
#define PT_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
    char *buf;      /* always NUL-terminated, never NULL */
    size_t len;
    size_t alloc;   /* 0: buf is the shared empty string, not ours */
};

/* git's slopbuf: an empty buffer reads as "" without allocating. */
extern char strbuf_empty_[1];
#define STRBUF_INIT { strbuf_empty_, 0, 0 }

void strbuf_init(struct strbuf *sb);
/* Frees the storage; 'sb' may be reused after strbuf_init().  Not named
 * strbuf_release like git's: libconfig exports a strbuf_release of its own,
 * and ours would interpose it. */
void strbuf_dispose(struct strbuf *sb);
/* Returns the buffer and leaves 'sb' empty; the caller owns the result. */
char *strbuf_detach(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Appends 'word' as alternative 'i' of 'n', so that a loop over them
 * reads "a, b or c": the lists of what a value may be. */
void strbuf_add_alternative(struct strbuf *sb, size_t i, size_t n,
                            const char *word);
/* Appends 'len' bytes of another host's text with what a terminal would
 * act on replaced by '?': C0 controls (ESC starts a terminal escape), DEL,
 * C1 controls (U+0080 to U+009F, or such a raw byte: 0x9b is a CSI in
 * an 8-bit terminal) and bytes that are no UTF-8.  Other UTF-8 stays: a
 * localised error reads as written. */
void strbuf_add_printable(struct strbuf *sb, const void *data, size_t len);
/* Removes trailing whitespace (newlines from command output, mostly). */
void strbuf_rtrim(struct strbuf *sb);
/* Reads the whole file at 'path' and appends it; 0 or negative errno. */
int strbuf_read_file(struct strbuf *sb, const char *path);
/* Reads what is left of 'fd' and appends it; 0 or negative errno. */
int strbuf_read_fd(struct strbuf *sb, int fd);

/* Returns a malloc'ed printf result; aborts on out of memory. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
