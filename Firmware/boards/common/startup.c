/* Reset sequence and receive ring shared by the Cortex-M ports. */
#include "board.h"
#include "cortex_m.h"

#define CPACR TB_REG(0xE000ED88u)

/* Power of two, and more than a whole binary block with its header and CRC,
 * so a block arriving while the main loop is busy is never dropped. */
#define RX_RING 8192u
static volatile uint8_t rx_ring[RX_RING];
/* Free-running counts of bytes stored and taken; their difference is the fill. */
static volatile uint32_t rx_head, rx_tail;

void board_received(uint8_t byte) {
    const uint32_t head = rx_head;
    if (head - rx_tail < RX_RING) {
        rx_ring[head & (RX_RING - 1)] = byte;
        rx_head = head + 1;
    }
}

uint32_t board_read(uint8_t *bytes, uint32_t max) {
    const uint32_t head = rx_head;
    uint32_t tail = rx_tail, count = 0;
    while (tail != head && count < max) bytes[count++] = rx_ring[tail++ & (RX_RING - 1)];
    rx_tail = tail;
    return count;
}

void cortex_m_wait_for_interrupt(void) {
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
