/* Board port for QEMU's mps2-an386 (Cortex-M4F, 25 MHz): CMSDK UART0 with an
 * RX interrupt into a ring buffer, SysTick as the microsecond counter, the
 * FPGAIO LED register as the energy timestamp line, semihosting to stop QEMU
 * with an exit code after a fault. Facts: ../shared/notes/qemu-cortex-m.md. */
#include <stdint.h>
#include "board.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define UART0 0x40004000u
#define UART_DATA REG(UART0 + 0x00)
#define UART_STATE REG(UART0 + 0x04)
#define UART_CTRL REG(UART0 + 0x08)
#define UART_INTSTATUS REG(UART0 + 0x0C)
#define UART_BAUDDIV REG(UART0 + 0x10)
#define NVIC_ISER0 REG(0xE000E100u)
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)
#define CPACR REG(0xE000ED88u)
#define FPGAIO_LED REG(0x40028000u)

#define CORE_HZ 25000000u
#define TICKS_PER_MS (CORE_HZ / 1000u)

static volatile uint8_t rx_ring[1024];
static volatile uint32_t rx_head, rx_tail;
static volatile uint32_t milliseconds;

void board_init(void) {
    UART_BAUDDIV = 16;
    UART_CTRL = 1u | 2u | 8u;        /* TX, RX, RX interrupt */
    NVIC_ISER0 = 1u << 0;            /* UART0 RX is IRQ 0 */
    SYST_RVR = TICKS_PER_MS - 1;
    SYST_CVR = 0;
    SYST_CSR = 7;                    /* core clock, interrupt, enable */
}

void uart0_rx_handler(void) {
    /* Clear the interrupt first, then drain: the other order can lose the
     * interrupt for a byte that arrives in between and stall the link. */
    UART_INTSTATUS = 2u;
    while (UART_STATE & 2u) {
        const uint8_t byte = (uint8_t)UART_DATA;
        const uint32_t next = (rx_head + 1) % sizeof rx_ring;
        if (next != rx_tail) {
            rx_ring[rx_head] = byte;
            rx_head = next;
        }
    }
}

void systick_handler(void) { milliseconds++; }

void board_write(const char *bytes, uint32_t count) {
    for (uint32_t i = 0; i < count; ++i) {
        while (UART_STATE & 1u) {}
        UART_DATA = (uint8_t)bytes[i];
    }
}

int board_read(void) {
    if (rx_tail == rx_head) return -1;
    const int byte = rx_ring[rx_tail];
    rx_tail = (rx_tail + 1) % sizeof rx_ring;
    return byte;
}

void board_wait(void) {
    __asm volatile("cpsid i");
    if (rx_tail == rx_head) __asm volatile("wfi");
    __asm volatile("cpsie i");
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
static void semihosting_exit(int code) {
    static volatile uint32_t block[2];
    block[0] = 0x20026;              /* ADP_Stopped_ApplicationExit */
    block[1] = (uint32_t)code;
    register uint32_t r0 __asm("r0") = 0x20;
    register volatile uint32_t *r1 __asm("r1") = block;
    __asm volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
    for (;;) {}
}

void fault_handler(void) {
    board_write("e-[fault: the firmware crashed]\r\n", 33);
    semihosting_exit(3);
}

extern uint32_t _data_load, _data_start, _data_end, _bss_start, _bss_end, _stack_top;
int main(void);

void reset_handler(void) {
    for (uint32_t *src = &_data_load, *dst = &_data_start; dst < &_data_end;) *dst++ = *src++;
    for (uint32_t *dst = &_bss_start; dst < &_bss_end;) *dst++ = 0;
    CPACR |= 0xFu << 20;             /* the FPU, before any float instruction */
    __asm volatile("dsb\n isb");
    main();
    semihosting_exit(0);
}

static void default_handler(void) { fault_handler(); }

__attribute__((section(".vectors"), used))
static void (*const vectors[16 + 2])(void) = {
    (void (*)(void))&_stack_top, reset_handler,
    fault_handler, fault_handler, fault_handler, fault_handler, fault_handler,   /* NMI, HardFault, MemManage, BusFault, UsageFault */
    0, 0, 0, 0, default_handler, default_handler, 0, default_handler, systick_handler,
    uart0_rx_handler, default_handler,
};
