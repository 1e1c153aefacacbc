/* The application's initialisers: BLOCKS distinct blocks of straight-line code, each run once, as a
 * big runtime's start-up (class and module initialisers) runs much code once. Position-independent
 * (registers and the state array in %rdi only), so the kernel's ELF loader may place it anywhere.
 * uint64_t _start(uint64_t state[64]) returns a hash of the state, printed on the boot-work line. */
    .text
    .globl _start
_start:
    push %rbx
    movabs $0x9E3779B97F4A7C15, %rax
    .set i, 0
    .rept BLOCKS
    mov ((i * 8) % 512)(%rdi), %rbx
    add $((i * 2654435761) & 0x7fffffff), %rax
    xor %rbx, %rax
    rol $13, %rax
    mov %rax, ((i * 24 + 8) % 512)(%rdi)
    .set i, i + 1
    .endr
    pop %rbx
    ret
    .section .note.GNU-stack, "", @progbits
