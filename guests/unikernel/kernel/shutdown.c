#include "shutdown.h"

#include <stdint.h>

#include "../arch/io.h"
#include "cmdline.h"

#define DEBUG_EXIT_PORT 0xF4

void shutdown(int code)
{
    if (cmdline_has("exit"))
        outl(DEBUG_EXIT_PORT, (uint32_t)code);
    cpu_halt_forever();
}
