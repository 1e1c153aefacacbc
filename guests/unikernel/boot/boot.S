/*
 * Multiboot (v1) entry. The loader leaves us in 32-bit protected mode with paging off, so this file
 * builds just enough of an x86-64 world (identity-mapped page tables, a 64-bit GDT, a stack) to call
 * C. Everything else is done in C.
 */
#include "multiboot.h"

#define CR0_PE        (1 << 0)
#define CR0_PG        (1 << 31)
#define CR4_PAE       (1 << 5)
#define MSR_EFER      0xC0000080
#define EFER_LME      (1 << 8)
#define PTE_P         (1 << 0)
#define PTE_W         (1 << 1)
#define PTE_PS        (1 << 7)
#define COM1          0x3F8
#define STACK_SIZE    (32 * 1024)
/* 4 page directories of 2 MiB pages = 4 GiB: RAM plus the 32-bit PCI hole where q35 puts BARs. */
#define BOOT_PDS      4

/* The header must sit in the first 8 KiB of the file; the linker script puts this section first. */
    .section .multiboot, "a"
    .align 4
    .long MULTIBOOT_HEADER_MAGIC
    .long MULTIBOOT_HEADER_FLAGS
    .long -(MULTIBOOT_HEADER_MAGIC + MULTIBOOT_HEADER_FLAGS)

    .section .boot, "ax"
    .code32
    .globl _start
_start:
    cli
    cld
    /* Saved to .data before .bss is cleared; C reads them once in 64-bit mode. */
    movl %eax, boot_magic
    movl %ebx, boot_info

    /* Loaders are not required to clear .bss, and the page tables below assume zeroed memory. */
    movl $__bss_start, %edi
    movl $__bss_end, %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    rep stosb

    movl $boot_stack_top, %esp

    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb no_long_mode
    movl $0x80000001, %eax
    cpuid
    testl $(1 << 29), %edx
    jz no_long_mode

    /* PML4[0] -> PDPT; PDPT[0..3] -> four page directories laid out contiguously. */
    movl $boot_pdpt, %eax
    orl $(PTE_P | PTE_W), %eax
    movl %eax, boot_pml4

    movl $boot_pd, %eax
    orl $(PTE_P | PTE_W), %eax
    xorl %ecx, %ecx
1:  movl %eax, boot_pdpt(, %ecx, 8)
    addl $4096, %eax
    incl %ecx
    cmpl $BOOT_PDS, %ecx
    jb 1b

    /* 2 MiB pages need no page tables, so the whole 4 GiB costs six pages of memory. */
    movl $(PTE_P | PTE_W | PTE_PS), %eax
    xorl %ecx, %ecx
2:  movl %eax, boot_pd(, %ecx, 8)
    addl $0x200000, %eax
    incl %ecx
    cmpl $(BOOT_PDS * 512), %ecx
    jb 2b

    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4

    movl $boot_pml4, %eax
    movl %eax, %cr3

    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    wrmsr

    movl %cr0, %eax
    orl $(CR0_PG | CR0_PE), %eax
    movl %eax, %cr0

    /* Paging with LME set puts us in compatibility mode; the far jump loads a 64-bit CS. */
    lgdt boot_gdt_ptr
    ljmp $0x08, $long_mode_entry

/* No console driver exists yet, so the error is pushed straight at COM1 from 32-bit code. */
no_long_mode:
    movl $no_long_mode_msg, %esi
    movw $COM1, %dx
3:  lodsb
    testb %al, %al
    jz 4f
    outb %al, %dx
    jmp 3b
4:  cli
    hlt
    jmp 4b

    .code64
long_mode_entry:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movq $boot_stack_top, %rsp
    xorl %ebp, %ebp
    movl boot_magic(%rip), %edi
    movl boot_info(%rip), %esi
    call kmain
5:  cli
    hlt
    jmp 5b

    .section .rodata
no_long_mode_msg:
    /* Leading CRLF: firmware may have left the cursor mid-line. */
    .asciz "\r\nunikernel: error: CPU has no long mode\r\n"

    .align 8
boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF    /* 0x08: 64-bit code, DPL 0 */
    .quad 0x00CF92000000FFFF    /* 0x10: data, DPL 0 */
boot_gdt_end:

boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    .section .data
    .align 4
boot_magic:
    .long 0
boot_info:
    .long 0

    .section .bss
    .align 4096
    .globl boot_pml4
boot_pml4:
    .skip 4096
boot_pdpt:
    .skip 4096
boot_pd:
    .skip 4096 * BOOT_PDS
    .align 16
boot_stack:
    .skip STACK_SIZE
boot_stack_top:

    /* No executable stack: without this note ld assumes one and warns. */
    .section .note.GNU-stack, "", @progbits
