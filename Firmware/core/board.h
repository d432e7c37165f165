/* What a board port provides to the protocol core: a byte link to the host,
 * a free-running microsecond counter, a timestamp GPIO, sww01's processing
 * and wakeword pins, and a way to stop. */
#ifndef TB_BOARD_H
#define TB_BOARD_H

#include <stdint.h>

void board_init(void);
/* Blocks until every byte is on its way. */
void board_write(const char *bytes, uint32_t count);
/* Copies up to `max` received bytes into `bytes` (the receive ring drained
 * in one go); returns how many, 0 when none is waiting. */
uint32_t board_read(uint8_t *bytes, uint32_t max);
/* Sleeps until something may have arrived (an interrupt). */
void board_wait(void);
/* Microseconds since power-on, wrapping at 2^32. */
uint32_t board_micros(void);
/* Energy-mode timestamp: a falling edge on the monitor's timestamp line. */
void board_timestamp_pulse(void);
/* sww01's processing pin (the interface board measures the duty cycle on
 * it): `level` 1 while a streamed frame is processed, 0 otherwise. */
void board_processing_pin(int level);
/* sww01's wakeword pin: a low pulse of at least 1 µs (idle high), whose
 * falling edge the interface board timestamps as a detection. */
void board_wakeword_pulse(void);

#endif
