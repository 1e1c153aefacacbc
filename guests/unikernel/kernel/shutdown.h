/* How the kernel stops: halted with interrupts off (the VM stays up, so a harness can read the
 * console at leisure), or, when the command line contains "exit", by making QEMU exit through
 * isa-debug-exit (-device isa-debug-exit,iobase=0xf4,iosize=4). QEMU's exit status is then
 * (code << 1) | 1: 1 after a successful run, 3 after an error. Without the device the write is
 * ignored and the CPU halts anyway. */
#ifndef UK_SHUTDOWN_H
#define UK_SHUTDOWN_H

#define SHUTDOWN_OK    0
#define SHUTDOWN_ERROR 1

__attribute__((noreturn)) void shutdown(int code);

#endif
