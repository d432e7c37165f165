/* Board port for QEMU's mps2-an386 (Cortex-M4F, 25 MHz): CMSDK UART0 with an
 * RX interrupt, SysTick as the microsecond counter, the FPGAIO LED register as
 * the energy timestamp line, semihosting to stop QEMU with an exit code.
 * Facts: ../shared/notes/qemu-cortex-m.md. */
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

static void systick_handler(void) { milliseconds++; }

void board_write(const char *bytes, uint32_t count) {
    for (uint32_t i = 0; i < count; ++i) {
        while (UART_STATE & 1u) {}
        UART_DATA = (uint8_t)bytes[i];
    }
}

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

/* Semihosting SYS_EXIT_EXTENDED: QEMU exits with `code`. */
void board_halt(int code) {
    static volatile uint32_t block[2];
    block[0] = 0x20026;              /* ADP_Stopped_ApplicationExit */
    block[1] = (uint32_t)code;
    register uint32_t r0 __asm("r0") = 0x20;
    register volatile uint32_t *r1 __asm("r1") = block;
    __asm volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
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
