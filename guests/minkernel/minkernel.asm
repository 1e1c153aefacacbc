; minkernel — bootlab's baseline guest: the least code that can say "I booted" from 64-bit mode.
;
; Boot protocol: Multiboot v1, so `qemu-system-x86_64 -kernel minkernel.elf` loads it with no disk,
; no bootloader and no Linux boot protocol. QEMU's multiboot loader only takes a 32-bit ELF (it
; refuses an ELF64 with "Cannot load x86-64 image, give a 32bit one") or a flat image described by
; the a.out-kludge fields. We ship an ELF32 linked with `ld -m elf_i386`: the load address and the
; entry point then come from the ELF headers, the image carries symbols for debugging, and the
; header stays three words long. The 64-bit code below lives in the same ELF32 file; the CPU
; does not care what the ELF class says once we have switched modes ourselves.
;
; What it does, in order:
;   1. (32-bit protected mode, paging off, as Multiboot hands over)
;      print "\r\nminkernel: entry\r\n" on COM1 — the earliest point our own code runs;
;   2. look for the word "exit" on the Multiboot command line (`-append exit`);
;   3. build identity-mapped page tables for the first 1 GiB with 2 MiB pages;
;   4. enable PAE, EFER.LME and paging, far-jump into a 64-bit code segment;
;   5. (64-bit long mode) print "minkernel: ready\r\n";
;   6. if "exit" was asked for, write 1 to the isa-debug-exit port 0xf4 (QEMU exits with 3);
;   7. otherwise (or if that device is absent) silence the timers SeaBIOS left running (PIT
;      channel 0 to a one-shot count, both PICs masked) and `cli; hlt` forever: the VM stays up,
;      like the guests in the paper this project reproduces, so the harness decides when to kill it.
;      This comes after the ready line, so it cannot move ΔT; it only makes an idle VM cheap to
;      keep (density runs keep thousands alive on two cores).
;
; Nothing here programs interrupts: Multiboot hands over with IF=0 and we never set it, so no
; device interrupt wakes the final `hlt`. There is no IDT either (none is needed for that): an
; NMI, which QEMU only delivers when asked to (monitor `nmi`), would triple-fault and reset the VM.

MB_MAGIC        equ 0x1BADB002
; Flags: none. We need neither page-aligned modules (bit 0), nor memory info (bit 1; QEMU gives
; it anyway), nor a video mode (bit 2), nor the a.out kludge (bit 16): the ELF headers say where
; to load us.
MB_FLAGS        equ 0
MB_CHECKSUM     equ -(MB_MAGIC + MB_FLAGS)
MB_BOOT_MAGIC   equ 0x2BADB002      ; what a Multiboot loader leaves in EAX
MB_INFO_CMDLINE equ 1 << 2          ; multiboot_info.flags bit: cmdline field is valid
MB_INFO_CMDLINE_OFF equ 16          ; offset of the cmdline pointer in multiboot_info

COM1            equ 0x3f8
UART_IER        equ 1
UART_LCR        equ 3
UART_LSR        equ 5
LSR_THRE        equ 0x20            ; transmit holding register empty

DEBUG_EXIT_PORT equ 0xf4
PIT_CH0         equ 0x40
PIT_CONTROL     equ 0x43
PIT_CH0_MODE0   equ 0x30            ; channel 0, lobyte then hibyte, mode 0, binary
PIC1_DATA       equ 0x21            ; interrupt mask registers of the master and slave 8259
PIC2_DATA       equ 0xa1
; QEMU's isa-debug-exit calls exit((value << 1) | 1). We write 1, so QEMU's status is 3: value 0
; would give 1, which cannot be told apart from QEMU failing on its own.
DEBUG_EXIT_VALUE equ 1

MSR_EFER        equ 0xC0000080
EFER_LME        equ 1 << 8
CR4_PAE         equ 1 << 5
CR0_PE          equ 1 << 0
CR0_PG          equ 1 << 31

PTE_P           equ 1 << 0          ; present
PTE_W           equ 1 << 1          ; writable
PTE_PS          equ 1 << 7          ; in a page-directory entry: this is a 2 MiB page
PAGE_2M         equ 0x200000

SEL_CODE64      equ gdt.code64 - gdt
SEL_DATA        equ gdt.data - gdt

; Print the NUL-terminated string at [xSI] on COM1. The same bytes work in 32- and 64-bit mode
; (lodsb uses ESI or RSI), but nasm must assemble them once per mode, hence a macro.
; Polls LSR.THRE before each byte, as real hardware requires; under QEMU the bit is always set
; unless the character backend is stalled, so the poll costs one port read per byte.
%macro PUTS_BODY 0
.next:
    lodsb
    test al, al
    jz .done
    mov ah, al
    mov dx, COM1 + UART_LSR
.wait:
    in al, dx
    test al, LSR_THRE
    jz .wait
    mov al, ah
    mov dx, COM1
    out dx, al
    jmp .next
.done:
    ret
%endmacro

; The header must sit in the first 8 KiB of the file, 4-byte aligned; the linker script puts
; this section first.
section .multiboot progbits alloc noexec nowrite align=4
    dd MB_MAGIC
    dd MB_FLAGS
    dd MB_CHECKSUM

section .text
bits 32
global _start
_start:
    ; Multiboot gives us flat 4 GiB segments, protected mode, paging off, IF=0 — and no stack.
    mov esp, stack_top
    mov edi, eax                    ; keep the loader's magic and info pointer: puts clobbers EAX
    mov ebp, ebx

    ; Minimal UART setup: 8N1 with DLAB clear (if firmware left DLAB set, writes to 0x3f8 would
    ; land in the baud-rate divisor and print nothing) and its interrupts off. The baud rate is
    ; irrelevant to QEMU, so we leave the divisor alone.
    mov dx, COM1 + UART_LCR
    mov al, 0x03
    out dx, al
    mov dx, COM1 + UART_IER
    xor al, al
    out dx, al

    mov esi, msg_entry
    call puts32

    ; --- 2. "exit" on the command line? --------------------------------------------------------
    ; QEMU passes "<kernel path> <-append text>" as the Multiboot command line (GRUB likewise
    ; starts it with the kernel path), so we look for "exit" as a whole whitespace-separated word.
    cmp edi, MB_BOOT_MAGIC
    jne .cmdline_done               ; not loaded by Multiboot: EBX means nothing
    test dword [ebp], MB_INFO_CMDLINE
    jz .cmdline_done
    mov esi, [ebp + MB_INFO_CMDLINE_OFF]
.skip_space:                        ; any byte <= ' ' other than NUL counts as a separator
    mov al, [esi]
    test al, al
    jz .cmdline_done
    cmp al, ' '
    ja .word
    inc esi
    jmp .skip_space
.word:
    cmp dword [esi], 'exit'         ; may read up to 3 bytes past the NUL: harmless, it is RAM
    jne .skip_word
    cmp byte [esi + 4], ' '         ; NUL or whitespace after it: the whole word is "exit"
    ja .skip_word
    mov byte [want_exit], 1
    jmp .cmdline_done
.skip_word:
    mov al, [esi]
    cmp al, ' '
    jbe .skip_space                 ; separator or NUL: .skip_space handles both
    inc esi
    jmp .skip_word
.cmdline_done:

    ; --- Does the CPU do long mode at all? ------------------------------------------------------
    ; Without it the wrmsr below would fault with no IDT and the VM would triple-fault and reset
    ; in a loop; saying why and halting is kinder. (-cpu qemu64 and max both have it.)
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_long_mode
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29               ; CPUID.80000001h:EDX.LM
    jnz .have_long_mode
.no_long_mode:
    mov esi, msg_no_lm
    call puts32
.halt32:
    cli
    hlt
    jmp .halt32
.have_long_mode:

    ; --- 3. Page tables -------------------------------------------------------------------------
    ; Long mode cannot run with paging off, so we need at least an identity map of the code that
    ; is running when paging turns on. With 2 MiB pages (PS bit in the page directory) three 4 KiB
    ; tables — PML4, PDPT and one PD of 512 entries — map the first 1 GiB, with no fourth level
    ; of 4 KiB page tables to build. 1 GiB covers the image at 1 MiB, the stack, the Multiboot
    ; data and any memory size bootlab uses; mapping past the end of RAM is harmless as long as
    ; we never touch it. (1 GiB pages would be one table less but need CPUID.PDPE1GB, which not
    ; every CPU model has; 2 MiB pages work on every x86-64.)
    ; The tables live in .bss; we zero them ourselves rather than rely on the loader doing it.
    mov edi, pml4
    mov ecx, 3 * 4096 / 4
    xor eax, eax
    rep stosd
    mov dword [pml4], pdpt + (PTE_P | PTE_W)
    mov dword [pdpt], pd + (PTE_P | PTE_W)
    mov edi, pd
    mov eax, PTE_P | PTE_W | PTE_PS ; physical address 0, 2 MiB page
    mov ecx, 512
.fill_pd:
    mov [edi], eax                  ; low half; the high half stays 0 (addresses < 4 GiB)
    add eax, PAGE_2M
    add edi, 8
    loop .fill_pd

    ; --- 4. Into long mode (Intel SDM vol. 3, 10.8.5) ------------------------------------------
    mov eax, pml4
    mov cr3, eax
    mov eax, cr4
    or eax, CR4_PAE                 ; long mode uses the PAE (64-bit entry) table format
    mov cr4, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME
    wrmsr
    lgdt [gdt_ptr]                  ; the loader's GDT has no 64-bit code segment
    mov eax, cr0
    or eax, CR0_PG | CR0_PE         ; paging on with LME set: the CPU is now in compatibility mode
    mov cr0, eax
    jmp SEL_CODE64:long_mode_entry  ; loading CS with an L=1 descriptor enters 64-bit mode

puts32:
    PUTS_BODY

bits 64
long_mode_entry:
    ; Data segment registers are mostly ignored in 64-bit mode, but SS must hold a valid
    ; selector (or null) and stale 32-bit selectors are best not kept around.
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov esp, stack_top              ; writing ESP zero-extends into RSP; the stack is below 4 GiB
    mov esi, msg_ready              ; likewise RSI
    call puts64

    ; --- 6. Optional exit -----------------------------------------------------------------------
    cmp byte [want_exit], 0
    je .halt_quiet
    mov al, DEBUG_EXIT_VALUE
    out DEBUG_EXIT_PORT, al         ; with isa-debug-exit present QEMU exits here, status 3
    ; No such device: the write goes nowhere and we halt like the plain variant.
.halt_quiet:
    ; --- 7. Quiet idle ----------------------------------------------------------------------------
    ; IF=0 already keeps the CPU from taking interrupts, but SeaBIOS programmed PIT channel 0 as an
    ; 18.2 Hz rate generator: QEMU's PIT timer still fires 18 times a second, raises IRQ0 and kicks
    ; the vCPU thread, which finds nothing to do (IF=0) and sleeps again. In mode 0 (interrupt on
    ; terminal count) the counter fires once after the count and QEMU arms no further timer. The
    ; PIC masks stop any other device line from kicking the vCPU.
    mov al, PIT_CH0_MODE0
    out PIT_CONTROL, al
    xor eax, eax                    ; count 0 = 65536 ticks, ~55 ms, then silence
    out PIT_CH0, al
    out PIT_CH0, al
    mov al, 0xff
    out PIC1_DATA, al
    out PIC2_DATA, al
.halt:
    cli
    hlt
    jmp .halt

puts64:
    PUTS_BODY

section .rodata
; The entry line starts with CRLF: SeaBIOS leaves the cursor after "Booting from ROM.." with no
; newline, and the harness anchors its markers at line starts ("^minkernel: entry").
msg_entry:  db 13, 10, "minkernel: entry", 13, 10, 0
msg_ready:  db "minkernel: ready", 13, 10, 0
msg_no_lm:  db "minkernel: CPU has no long mode, halting", 13, 10, 0

align 8
gdt:
    dq 0                            ; the null descriptor
.code64:
    dq 0x00209A0000000000           ; P=1, DPL=0, S=1, type=execute/read, L=1 (64-bit), D=0
.data:
    dq 0x0000920000000000           ; P=1, DPL=0, S=1, type=read/write
gdt_end:
gdt_ptr:
    dw gdt_end - gdt - 1
    dd gdt                          ; used by lgdt in 32-bit mode: a 32-bit base is enough

section .data
want_exit:  db 0                    ; in .data, not .bss, so its 0 does not depend on the loader

section .bss
alignb 4096
pml4:       resb 4096               ; these three must stay adjacent: one rep stosd zeroes them
pdpt:       resb 4096
pd:         resb 4096
stack:      resb 4096
stack_top:
