#include "ipv4.h"

bool parse_ipv4(const char *s, uint8_t out[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned v = 0, digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 3)
            v = v * 10 + (unsigned)(*s++ - '0'), digits++;
        if (!digits || v > 255 || *s != (i < 3 ? '.' : '\0'))
            return false;
        out[i] = (uint8_t)v;
        if (i < 3)
            s++;
    }
    return true;
}
