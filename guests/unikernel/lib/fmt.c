#include "fmt.h"

#include <stdbool.h>
#include <stdint.h>

#include "string.h"

struct spec {
    bool left;
    bool zero;
    bool alt;
    int width;
};

static int emit_padded(fmt_sink sink, void *ctx, const struct spec *sp, const char *s, size_t len)
{
    int n = 0;
    int pad = sp->width > (int)len ? sp->width - (int)len : 0;
    if (!sp->left)
        for (; pad; pad--, n++)
            sink(' ', ctx);
    for (size_t i = 0; i < len; i++, n++)
        sink(s[i], ctx);
    for (; pad; pad--, n++)
        sink(' ', ctx);
    return n;
}

static int emit_number(fmt_sink sink, void *ctx, const struct spec *sp, uint64_t v, bool negative,
                       unsigned base, bool upper, const char *prefix)
{
    char buf[64];
    char *end = buf + sizeof(buf), *p = end;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        *--p = digits[v % base];
        v /= base;
    } while (v);
    size_t extra = (prefix ? strlen(prefix) : 0) + (negative ? 1 : 0);
    /* Zeros go between the sign/prefix and the digits ("-0042", "0x00ff"); the 3 bytes kept free
     * leave room for the longest sign plus prefix. */
    if (sp->zero && !sp->left)
        while ((int)((size_t)(end - p) + extra) < sp->width && p > buf + 3)
            *--p = '0';
    if (prefix)
        for (size_t i = strlen(prefix); i; i--)
            *--p = prefix[i - 1];
    if (negative)
        *--p = '-';
    return emit_padded(sink, ctx, sp, p, (size_t)(end - p));
}

int fmt_vformat(fmt_sink sink, void *ctx, const char *fmt, va_list ap)
{
    int n = 0;
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            sink(*fmt, ctx), n++;
            continue;
        }
        struct spec sp = { 0 };
        for (fmt++;; fmt++) {
            if (*fmt == '-')
                sp.left = true;
            else if (*fmt == '0')
                sp.zero = true;
            else if (*fmt == '#')
                sp.alt = true;
            else
                break;
        }
        if (*fmt == '*') {
            sp.width = va_arg(ap, int);
            if (sp.width < 0)
                sp.left = true, sp.width = -sp.width;
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                sp.width = sp.width * 10 + (*fmt++ - '0');
        }
        int longs = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long / size_t */
        for (;; fmt++) {
            if (*fmt == 'l')
                longs++;
            else if (*fmt == 'h')
                longs--;
            else if (*fmt == 'z')
                longs = 2;
            else
                break;
        }
        switch (*fmt) {
        case 'c': {
            char c = (char)va_arg(ap, int);
            n += emit_padded(sink, ctx, &sp, &c, 1);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            n += emit_padded(sink, ctx, &sp, s, strlen(s));
            break;
        }
        case 'd':
        case 'i': {
            int64_t v = longs >= 1 ? va_arg(ap, int64_t) : va_arg(ap, int);
            if (longs == -1)
                v = (short)v;
            else if (longs <= -2)
                v = (signed char)v;
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            n += emit_number(sink, ctx, &sp, mag, v < 0, 10, false, NULL);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = longs >= 1 ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
            if (longs == -1)
                v = (unsigned short)v;
            else if (longs <= -2)
                v = (unsigned char)v;
            const char *prefix = sp.alt && *fmt != 'u' ? (*fmt == 'X' ? "0X" : "0x") : NULL;
            n += emit_number(sink, ctx, &sp, v, false, *fmt == 'u' ? 10 : 16, *fmt == 'X', prefix);
            break;
        }
        case 'p':
            n += emit_number(sink, ctx, &sp, (uintptr_t)va_arg(ap, void *), false, 16, false, "0x");
            break;
        case '%':
            sink('%', ctx), n++;
            break;
        case '\0':
            /* A lone '%' at the end: stop rather than read past the terminator. */
            return n;
        default:
            sink('%', ctx), sink(*fmt, ctx), n += 2;
            break;
        }
    }
    return n;
}

struct buf_ctx {
    char *buf;
    size_t size;
    size_t pos;
};

static void buf_sink(char c, void *ctx)
{
    struct buf_ctx *b = ctx;
    if (b->pos + 1 < b->size)
        b->buf[b->pos] = c;
    b->pos++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buf_ctx b = { buf, size, 0 };
    int n = fmt_vformat(buf_sink, &b, fmt, ap);
    if (size)
        buf[b.pos < size ? b.pos : size - 1] = '\0';
    return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
