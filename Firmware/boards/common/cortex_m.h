/* What every Cortex-M port shares (common/startup.c): the reset sequence and
 * the receive ring between the UART interrupt and the main loop. */
#ifndef TB_CORTEX_M_H
#define TB_CORTEX_M_H

#include <stdint.h>

#define TB_REG(addr) (*(volatile uint32_t *)(addr))

/* Copies .data, zeroes .bss, enables the FPU, runs main, then board_halt(0). */
void reset_handler(void);
/* Called by the port's receive interrupt for each byte: one store into the
 * receive ring (8 KB, more than a binary block); drops bytes when it is full. */
void board_received(uint8_t byte);
/* Provided by the port: stop for good with an exit status. */
void board_halt(int code) __attribute__((noreturn));
/* board_wait() of an interrupt-driven port: WFI unless the ring holds bytes. */
void cortex_m_wait_for_interrupt(void);
/* A fault or unexpected interrupt: reports it to the host, then board_halt(3). */
void fault_handler(void);

#endif
