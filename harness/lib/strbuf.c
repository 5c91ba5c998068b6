#include "lib/strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Out of memory is not a condition this tool can recover from in a useful
 * way; dying loudly beats a half-written report. */
static void oom(void)
{
    fputs("perftests: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        oom();
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    return strbuf_detach(&sb);
}

char strbuf_empty_[1];

static void grow(struct strbuf *sb, size_t extra)
{
    size_t need = sb->len + extra + 1;

    if (need <= sb->alloc)
        return;
    size_t alloc = sb->alloc ? sb->alloc : 64;
    while (alloc < need)
        alloc *= 2;
    sb->buf = xrealloc(sb->alloc ? sb->buf : NULL, alloc);
    if (!sb->alloc)
        sb->buf[0] = '\0';
    sb->alloc = alloc;
}

void strbuf_init(struct strbuf *sb)
{
    sb->buf = strbuf_empty_;
    sb->len = 0;
    sb->alloc = 0;
}

void strbuf_dispose(struct strbuf *sb)
{
    if (sb->alloc)
        free(sb->buf);
    strbuf_init(sb);
}

char *strbuf_detach(struct strbuf *sb)
{
    char *s;

    grow(sb, 0);
    s = sb->buf;
    strbuf_init(sb);
    return s;
}

void strbuf_reset(struct strbuf *sb)
{
    sb->len = 0;
    if (sb->alloc)
        sb->buf[0] = '\0';
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
    grow(sb, len);
    memcpy(sb->buf + sb->len, data, len);
    sb->len += len;
    sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
    strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, char c)
{
    strbuf_add(sb, &c, 1);
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
    va_list cp;
    int n;

    grow(sb, 0);
    va_copy(cp, ap);
    n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
    va_end(cp);
    if (n < 0)
        return;
    if ((size_t)n >= sb->alloc - sb->len) {
        grow(sb, (size_t)n);
        n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
    }
    sb->len += (size_t)n;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    strbuf_vaddf(sb, fmt, ap);
    va_end(ap);
}

void strbuf_add_alternative(struct strbuf *sb, size_t i, size_t n,
                            const char *word)
{
    strbuf_addf(sb, "%s%s", !i ? "" : i + 1 < n ? ", " : " or ", word);
}

/* The length of the UTF-8 sequence at 's' (at most 'len' bytes) when it
 * is a well-formed character other than a C1 control; else 0. */
static size_t utf8_printable(const unsigned char *s, size_t len)
{
    size_t n = s[0] > 0xf4 ? 0 : s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3
             : s[0] >= 0xc2 ? 2 : 0;
    uint32_t cp;

    if (!n || n > len)
        return 0;
    cp = s[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates, past U+10FFFF, C1 controls. */
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000
                                              || cp > 0x10ffff))
        || (cp >= 0xd800 && cp <= 0xdfff) || cp <= 0x9f)
        return 0;
    return n;
}

void strbuf_add_printable(struct strbuf *sb, const void *data, size_t len)
{
    const unsigned char *s = data;

    for (size_t i = 0; i < len;) {
        size_t n = s[i] < 0x80 ? 1 : utf8_printable(s + i, len - i);

        if (n == 1 && (s[i] < 0x20 || s[i] == 0x7f)) {
            strbuf_addch(sb, s[i] == '\t' ? ' ' : '?');
        } else if (n == 0) {
            strbuf_addch(sb, '?');
            n = 1;
        } else {
            strbuf_add(sb, s + i, n);
        }
        i += n;
    }
}

void strbuf_rtrim(struct strbuf *sb)
{
    while (sb->len && isspace((unsigned char)sb->buf[sb->len - 1]))
        sb->len--;
    if (sb->alloc)
        sb->buf[sb->len] = '\0';
}

int strbuf_read_fd(struct strbuf *sb, int fd)
{
    char tmp[8192];
    ssize_t n;

    while ((n = read(fd, tmp, sizeof tmp)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        strbuf_add(sb, tmp, (size_t)n);
    }
    return 0;
}

int strbuf_read_file(struct strbuf *sb, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int err;

    if (fd < 0)
        return -errno;
    err = strbuf_read_fd(sb, fd);
    close(fd);
    return err;
}
