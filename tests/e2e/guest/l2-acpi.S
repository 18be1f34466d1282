/* L2 without an OS that still has an ACPI power button, for the end-to-end test.
 *
 * A multiboot kernel (QEMU's -kernel, i.e. the domain's <kernel>) that enables the
 * power button in ICH9's PM1 block, sleeps in hlt (an IDT whose every vector EOIs the
 * PICs keeps SeaBIOS's timer ticks harmless) and, once the button is pressed (libvirt's
 * ACPI shutdown, or `system_powerdown`), powers the VM off from inside: S5 through
 * PM1_CNT, as an OS would. So `virtflow stop` can shut it down gracefully, and the VM
 * ends "from inside" without a destroy. Once armed it says so on COM1.
 *
 * Built by tests/e2e/run.sh: as --32 + ld -m elf_i386 -Ttext 0x100000.
 */
    .code32
    .text
    .globl _start
    .align 4
multiboot_header:
    .long 0x1BADB002                 /* magic */
    .long 0                          /* flags: a plain ELF */
    .long -0x1BADB002                /* checksum */

_start:
    cli
    movl $stack_top, %esp
    /* PMBASE: ICH9 LPC (00:1f.0) config register 0x40, through 0xcf8/0xcfc */
    movl $0x8000F840, %eax
    movw $0xCF8, %dx
    outl %eax, %dx
    movw $0xCFC, %dx
    inl %dx, %eax
    andl $0xFF80, %eax
    movl %eax, %ebx
    /* PM1_EN (PMBASE+2): power button enable (bit 8) */
    leal 2(%ebx), %edx
    movw $0x0100, %ax
    outw %ax, %dx

    /* Tell the test the button is armed: a press before this is lost, as on any OS
     * that has not booted yet. COM1 (the domain's serial file). */
    movl $ready_msg, %esi
2:  movb (%esi), %al
    testb %al, %al
    jz 4f
    movw $0x3FD, %dx                 /* LSR: wait for THR empty */
3:  inb %dx, %al
    testb $0x20, %al
    jz 3b
    movb (%esi), %al
    movw $0x3F8, %dx
    outb %al, %dx
    incl %esi
    jmp 2b
4:
    /* IDT: 256 interrupt gates, all to isr */
    movl $idt, %edi
    movl $isr, %eax
    movw %cs, %si
    movl $256, %ecx
1:  movw %ax, (%edi)
    movw %si, 2(%edi)
    movw $0x8E00, 4(%edi)
    movl %eax, %edx
    shrl $16, %edx
    movw %dx, 6(%edi)
    addl $8, %edi
    loop 1b
    lidt idtr
    sti

wait:
    hlt
    movl %ebx, %edx                  /* PM1_STS (PMBASE+0) */
    inw %dx, %ax
    testw $0x0100, %ax               /* power button status */
    jz wait
    outw %ax, %dx                    /* write 1 to clear */
    cli
    leal 4(%ebx), %edx               /* PM1_CNT (PMBASE+4) */
    movw $0x2000, %ax                /* SLP_EN, SLP_TYP 0 = S5 on QEMU's ICH9 */
    outw %ax, %dx
halt:
    hlt
    jmp halt

isr:
    pushl %eax
    movb $0x20, %al
    outb %al, $0xA0
    outb %al, $0x20
    popl %eax
    iret

    .data
ready_msg:
    .asciz "L2: ACPI power button armed\n"
    .align 8
idtr:
    .word 256 * 8 - 1
    .long idt

    .bss
    .align 16
idt:
    .skip 256 * 8
    .skip 4096
stack_top:
