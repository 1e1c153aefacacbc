/* The application's ELF file and the file system image, built by build.sh, inside the kernel image
 * (a unikernel has no disk driver here: its boot loader loads them with the kernel). */
    .section .rodata
    .balign 4096
    .globl bootwork_app_elf, bootwork_app_elf_end
bootwork_app_elf:
    .incbin "app.elf"
bootwork_app_elf_end:
    .balign 512
    .globl bootwork_fs_tar, bootwork_fs_tar_end
bootwork_fs_tar:
    .incbin "fs.tar"
bootwork_fs_tar_end:
    .section .note.GNU-stack, "", @progbits
