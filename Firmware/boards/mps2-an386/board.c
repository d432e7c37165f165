/* Board port for QEMU's mps2-an386 (Cortex-M4F, 25 MHz): CMSDK UART0 with an
 * RX interrupt, SysTick as the microsecond counter, the FPGAIO LED register as
 * the energy timestamp line, semihosting to stop QEMU with an exit code.
 * Facts: ../shared/notes/qemu-cortex-m.md.
 *
 * With TB_LINK_SEMIHOSTING (make LINK=semihosting) the host link is
 * semihosting reads and writes of ":tt", QEMU's own standard input and
 * output, instead of the UART: QEMU's CMSDK UART hands over one byte per trip
 * through its main loop (about 10-20 KB/s), a semihosting read a whole buffer,
 * so AD's 100 KB files load many times faster. The protocol is the same;
 * only the wire differs. */
#include <stdint.h>
#include "board.h"
#include "cortex_m.h"

#define UART0 0x40004000u
#define UART_DATA TB_REG(UART0 + 0x00)
#define UART_STATE TB_REG(UART0 + 0x04)
#define UART_CTRL TB_REG(UART0 + 0x08)
#define UART_INTSTATUS TB_REG(UART0 + 0x0C)
#define UART_BAUDDIV TB_REG(UART0 + 0x10)
#define NVIC_ISER0 TB_REG(0xE000E100u)
#define SYST_CSR TB_REG(0xE000E010u)
#define SYST_RVR TB_REG(0xE000E014u)
#define SYST_CVR TB_REG(0xE000E018u)
#define FPGAIO_LED TB_REG(0x40028000u)

#define CORE_HZ 25000000u
#define TICKS_PER_MS (CORE_HZ / 1000u)

static volatile uint32_t milliseconds;

static void systick_handler(void) { milliseconds++; }

/* One ARM semihosting call (`bkpt 0xab`): operation in r0, argument block in r1, result in r0. */
static uint32_t semihosting(uint32_t operation, volatile uint32_t *block) {
    register uint32_t r0 __asm("r0") = operation;
    register volatile uint32_t *r1 __asm("r1") = block;
    __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

#if TB_LINK_SEMIHOSTING
/* Read by the host (tinybench's QEMU connector), which then starts QEMU
 * with semihosting and no serial port on its standard input and output. */
__attribute__((used)) static const char link_marker[] = "tinybench-link=semihosting";

enum { SYS_OPEN = 0x01, SYS_WRITE = 0x05, SYS_READ = 0x06 };
static uint32_t console_in, console_out;

/* ":tt" opened for reading is the console's input, for writing its output. */
static uint32_t open_console(uint32_t mode) {
    static volatile uint32_t block[3];
    block[0] = (uint32_t)":tt";
    block[1] = mode;
    block[2] = 3;
    return semihosting(SYS_OPEN, block);
}

void board_init(void) {
    __asm volatile("" : : "r"(link_marker));   /* kept through --gc-sections */
    console_in = open_console(0);    /* "r" */
    console_out = open_console(4);   /* "w" */
    SYST_RVR = TICKS_PER_MS - 1;
    SYST_CVR = 0;
    SYST_CSR = 7;
}

void board_write(const char *bytes, uint32_t count) {
    static volatile uint32_t block[3];
    while (count > 0) {
        block[0] = console_out;
        block[1] = (uint32_t)bytes;
        block[2] = count;
        const uint32_t unwritten = semihosting(SYS_WRITE, block);
        if (unwritten >= count) return;   /* the host end is gone */
        bytes += count - unwritten;
        count = unwritten;
    }
}

/* SYS_READ on ":tt" is a read(2) of QEMU's standard input (the host's
 * pseudo-terminal): it blocks until the host sends something and returns
 * what has arrived, up to the buffer. Nothing runs meanwhile, so under
 * -icount no virtual time passes while the DUT waits for the host. */
void board_wait(void) {
    static uint8_t chunk[1024];
    static volatile uint32_t block[3];
    block[0] = console_in;
    block[1] = (uint32_t)chunk;
    block[2] = sizeof chunk;
    const uint32_t unread = semihosting(SYS_READ, block);
    /* A blocking read that returns nothing (end of file) or fails (-1): the host closed its end. */
    if (unread >= sizeof chunk) board_halt(4);
    for (uint32_t i = 0; i < sizeof chunk - unread; ++i) board_received(chunk[i]);
}

/* The UART's interrupt is never enabled in this build. */
static void uart0_rx_handler(void) { fault_handler(); }
#else
void board_init(void) {
    UART_BAUDDIV = 16;
    UART_CTRL = 1u | 2u | 8u;        /* TX, RX, RX interrupt */
    NVIC_ISER0 = 1u << 0;            /* UART0 RX is IRQ 0 */
    SYST_RVR = TICKS_PER_MS - 1;
    SYST_CVR = 0;
    SYST_CSR = 7;                    /* core clock, interrupt, enable */
}

static void uart0_rx_handler(void) {
    /* Clear the interrupt first, then drain: the other order can lose the
     * interrupt for a byte that arrives in between and stall the link. */
    UART_INTSTATUS = 2u;
    while (UART_STATE & 2u) board_received((uint8_t)UART_DATA);
}

void board_write(const char *bytes, uint32_t count) {
    for (uint32_t i = 0; i < count; ++i) {
        while (UART_STATE & 1u) {}
        UART_DATA = (uint8_t)bytes[i];
    }
}

void board_wait(void) { cortex_m_wait_for_interrupt(); }
#endif

uint32_t board_micros(void) {
    uint32_t ms, ticks;
    do {
        ms = milliseconds;
        ticks = SYST_CVR;
    } while (ms != milliseconds);
    return ms * 1000u + (TICKS_PER_MS - 1 - ticks) / (TICKS_PER_MS / 1000u);
}

void board_timestamp_pulse(void) {
    FPGAIO_LED = 0;
    for (volatile int i = 0; i < 100; ++i) {}
    FPGAIO_LED = 1;
}

/* QEMU's mps2-an386 has no spare line an observer could watch (the FPGAIO
 * LED register is the timestamp line), so sww01's processing and wakeword
 * pins are not driven: the firmware's in-RAM pin log (`tb-pins`) is what the
 * tests read instead. */
void board_processing_pin(int level) { (void)level; }
void board_wakeword_pulse(void) {}

/* Semihosting SYS_EXIT_EXTENDED: QEMU exits with `code`. */
void board_halt(int code) {
    static volatile uint32_t block[2];
    block[0] = 0x20026;              /* ADP_Stopped_ApplicationExit */
    block[1] = (uint32_t)code;
    semihosting(0x20, block);        /* SYS_EXIT_EXTENDED */
    for (;;) {}
}


extern uint32_t _stack_top;

__attribute__((section(".vectors"), used))
static void (*const vectors[16 + 2])(void) = {
    (void (*)(void))&_stack_top, reset_handler,
    fault_handler, fault_handler, fault_handler, fault_handler, fault_handler,   /* NMI, HardFault, MemManage, BusFault, UsageFault */
    0, 0, 0, 0, fault_handler, fault_handler, 0, fault_handler, systick_handler, /* SVC, DebugMon, PendSV, SysTick */
    uart0_rx_handler, fault_handler,
};
