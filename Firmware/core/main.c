/* The DUT's main loop: boot banner, then the received bytes to the protocol
 * core, as many at a time as have arrived; sleeps until an interrupt when
 * nothing is waiting. */
#include "board.h"
#include "dut.h"

#ifndef TB_ENERGY_MODE
#define TB_ENERGY_MODE 0
#endif

int main(void) {
    board_init();
    dut_boot(TB_ENERGY_MODE ? TB_TIMESTAMPS_ENERGY : TB_TIMESTAMPS_PERFORMANCE);
    static uint8_t bytes[256];
    for (;;) {
        const uint32_t count = board_read(bytes, sizeof bytes);
        if (count == 0) {
            board_wait();
        } else {
            dut_receive(bytes, count);
        }
    }
}
