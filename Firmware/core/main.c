/* The DUT's main loop: boot banner, then every received byte to the protocol
 * core; sleeps until an interrupt when nothing is waiting. */
#include "board.h"
#include "dut.h"

#ifndef TB_ENERGY_MODE
#define TB_ENERGY_MODE 0
#endif

int main(void) {
    board_init();
    dut_boot(TB_ENERGY_MODE ? TB_TIMESTAMPS_ENERGY : TB_TIMESTAMPS_PERFORMANCE);
    for (;;) {
        const int c = board_read();
        if (c < 0) {
            board_wait();
        } else {
            dut_receive((char)c);
        }
    }
}
