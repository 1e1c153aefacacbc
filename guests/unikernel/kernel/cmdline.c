#include "cmdline.h"

#include "../lib/string.h"
#include "panic.h"

static char cmdline[512];

void cmdline_init(const char *src)
{
    size_t n = src ? strnlen(src, sizeof(cmdline) - 1) : 0;
    memcpy(cmdline, src, n);
    cmdline[n] = '\0';
}

const char *cmdline_get(void)
{
    return cmdline;
}

/* Calls back with each token; stops early when the callback returns true. */
static bool each_token(bool (*fn)(const char *tok, size_t len, void *ctx), void *ctx)
{
    const char *p = cmdline;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *start = p;
        while (*p && *p != ' ')
            p++;
        if (p > start && fn(start, (size_t)(p - start), ctx))
            return true;
    }
    return false;
}

static bool token_equals(const char *tok, size_t len, void *ctx)
{
    const char *word = ctx;
    return strlen(word) == len && memcmp(tok, word, len) == 0;
}

bool cmdline_has(const char *word)
{
    return each_token(token_equals, (void *)word);
}

struct lookup {
    const char *key;
    char *buf;
    unsigned size;
};

static bool token_value(const char *tok, size_t len, void *ctx)
{
    struct lookup *l = ctx;
    size_t klen = strlen(l->key);
    if (len <= klen || memcmp(tok, l->key, klen) != 0 || tok[klen] != '=')
        return false;
    size_t vlen = len - klen - 1;
    if (vlen >= l->size)
        vlen = l->size - 1;
    memcpy(l->buf, tok + klen + 1, vlen);
    l->buf[vlen] = '\0';
    return true;
}

const char *cmdline_value(const char *key, char *buf, unsigned size)
{
    struct lookup l = { key, buf, size };
    return size && each_token(token_value, &l) ? buf : NULL;
}

bool cmdline_uint(const char *key, uint64_t *out)
{
    char buf[16];
    if (!cmdline_value(key, buf, sizeof(buf)))
        return false;
    uint64_t v = 0;
    size_t n = strlen(buf);
    if (n == 0 || n > 12)
        panic("cmdline: %s=%s is not a number below 10^12", key, buf);
    for (size_t i = 0; i < n; i++) {
        if (buf[i] < '0' || buf[i] > '9')
            panic("cmdline: %s=%s is not a decimal number", key, buf);
        v = v * 10 + (uint64_t)(buf[i] - '0');
    }
    *out = v;
    return true;
}
