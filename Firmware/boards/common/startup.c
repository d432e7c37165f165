/* Reset sequence and receive ring shared by the Cortex-M ports. */
#include "board.h"
#include "cortex_m.h"

#define CPACR TB_REG(0xE000ED88u)

static volatile uint8_t rx_ring[1024];
static volatile uint32_t rx_head, rx_tail;

void board_received(uint8_t byte) {
    const uint32_t next = (rx_head + 1) % sizeof rx_ring;
    if (next != rx_tail) {
        rx_ring[rx_head] = byte;
        rx_head = next;
    }
}

int board_read(void) {
    if (rx_tail == rx_head) return -1;
    const int byte = rx_ring[rx_tail];
    rx_tail = (rx_tail + 1) % sizeof rx_ring;
    return byte;
}

void board_wait(void) {
    /* Interrupts off between the check and WFI, so a byte that arrives in
     * between still wakes the core (WFI returns on a pending interrupt). */
    __asm volatile("cpsid i");
    if (rx_tail == rx_head) __asm volatile("wfi");
    __asm volatile("cpsie i");
}

/* A fault or an unexpected interrupt: say so to the host, then stop (under
 * QEMU with exit status 3). */
void fault_handler(void) {
    board_write("e-[fault: the firmware crashed]\r\n", 33);
    board_halt(3);
}

extern uint32_t _data_load, _data_start, _data_end, _bss_start, _bss_end;
int main(void);

void reset_handler(void) {
    for (uint32_t *src = &_data_load, *dst = &_data_start; dst < &_data_end;) *dst++ = *src++;
    for (uint32_t *dst = &_bss_start; dst < &_bss_end;) *dst++ = 0;
    CPACR |= 0xFu << 20;             /* the FPU, before any float instruction */
    __asm volatile("dsb\n isb");
    main();
    board_halt(0);
}
