/* One stub per exception vector. Vectors that push no error code get a zero so every frame has the
 * same layout for trap_handler. */
    .text
    .code64

.macro TRAP_NOERR vec
trap_\vec:
    pushq $0
    pushq $\vec
    jmp trap_common
.endm

.macro TRAP_ERR vec
trap_\vec:
    pushq $\vec
    jmp trap_common
.endm

TRAP_NOERR 0
TRAP_NOERR 1
TRAP_NOERR 2
TRAP_NOERR 3
TRAP_NOERR 4
TRAP_NOERR 5
TRAP_NOERR 6
TRAP_NOERR 7
TRAP_ERR   8
TRAP_NOERR 9
TRAP_ERR   10
TRAP_ERR   11
TRAP_ERR   12
TRAP_ERR   13
TRAP_ERR   14
TRAP_NOERR 15
TRAP_NOERR 16
TRAP_ERR   17
TRAP_NOERR 18
TRAP_NOERR 19
TRAP_NOERR 20
TRAP_ERR   21
TRAP_NOERR 22
TRAP_NOERR 23
TRAP_NOERR 24
TRAP_NOERR 25
TRAP_NOERR 26
TRAP_NOERR 27
TRAP_NOERR 28
TRAP_ERR   29
TRAP_ERR   30
TRAP_NOERR 31

trap_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, %rdi
    /* The CPU only guarantees 8-byte alignment here; the C ABI wants 16. */
    andq $-16, %rsp
    call trap_handler
1:  cli
    hlt
    jmp 1b

/* The APIC timer only wakes the CPU from hlt: acknowledge it (write the APIC's EOI register at
 * 0xfee000b0; movl zero-extends, so the address is not sign-extended) and return. */
irq_timer:
    pushq %rax
    movl $0xfee000b0, %eax
    movl $0, (%rax)
    popq %rax
    iretq

/* The legacy PIC is masked; what can still arrive is a spurious interrupt (PIC IRQ7/15 or the
 * APIC's spurious vector), which must not be acknowledged. */
irq_ignore:
    iretq

    .section .rodata
    .align 8
    .globl irq_stubs
irq_stubs:
    .quad irq_timer
    .rept 15
    .quad irq_ignore
    .endr

    .align 8
    .globl trap_stubs
trap_stubs:
    .irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad trap_\vec
    .endr

    /* No executable stack: without this note ld assumes one and warns. */
    .section .note.GNU-stack, "", @progbits
