/* What the application does before it is ready, when its command line asks for it: the stress
 * variants bootlab's classifier is validated on (guests/stress/). None of it runs by default. */
#ifndef APP_STARTUP_H
#define APP_STARTUP_H

/* heap=MiB: allocate and write that much heap (every page faulted in on the host).
 * work=N:    N rounds of FNV-1a over a 64 KiB buffer: a fixed amount of computation, so a faster
 *            CPU (KVM) finishes it sooner.
 * wait=MS:   wait MS milliseconds idle, the CPU halted between timer ticks (like waiting for DHCP). */
void app_startup(void);

#endif
