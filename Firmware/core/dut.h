/* The MLPerf Tiny / EEMBC DUT protocol (DESIGN §4), as the reference firmware
 * (internally_implemented.cpp) speaks it, plus TinyBench's extensions
 * `tb-caps`, `tb-raw` and `tb-db` (binary input blocks; Docs/protocol.md). */
#ifndef TB_DUT_H
#define TB_DUT_H

#include <stdint.h>
#include "tb_model.h"

#define TB_COMMAND_BUFFER 80
#define TB_INPUT_BUFFER 27648
/* Longest payload of a `tb-db` binary block (BinaryBlock.maxLength on the host). */
#define TB_BLOCK_MAX 4096

typedef enum { TB_TIMESTAMPS_PERFORMANCE, TB_TIMESTAMPS_ENERGY } tb_timestamp_mode;

/* Prints the boot banner. */
void dut_boot(tb_timestamp_mode mode);
/* Feeds received bytes; runs each command (and stores each binary block) they complete. */
void dut_receive(const uint8_t *bytes, uint32_t count);

/* The benchmark's input handling and results (benchmark_io.c). */
void th_load_tensor(const tb_model *model, int8_t *arena, const uint8_t *bytes, uint32_t count);
/* Writes "m-results-[...]" into `line` (at least 512 bytes). */
void th_results(const tb_model *model, const int8_t *arena, char *line, uint32_t size);

#endif
