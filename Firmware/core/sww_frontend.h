/* sww01's streaming front end (the MLPerf Tiny reference DUT's per-hop
 * log-mel features), the C twin of TinyBenchEmulators' StreamingFrontEnd:
 * same float32 operations in the same order, so built with
 * -ffp-contract=off it gives the Swift front end's int8 features bit for
 * bit (Docs/sww.md). No dynamic allocation: one static state. */
#ifndef TB_SWW_FRONTEND_H
#define TB_SWW_FRONTEND_H

#include <stdint.h>

#define SWW_WINDOW_LENGTH 1024
#define SWW_HOP_LENGTH 512
#define SWW_MEL_BINS 40
#define SWW_MODEL_FRAMES 30
#define SWW_MODEL_INPUT (SWW_MODEL_FRAMES * SWW_MEL_BINS)

/* Computes the tables (window, mel weights, FFT twiddles) and starts. Call
 * once before anything else; `input_scale` is the model's input scale. */
void sww_frontend_init(float input_scale);

/* The DUT's `start`: zeroes the sample block, the pre-emphasis carry and the
 * model input. */
void sww_frontend_start(void);

/* One hop of 512 mono samples: writes the 40 new int8 features to
 * `features` and appends them to the model input (dropping its oldest row). */
void sww_frontend_eval(const int16_t samples[SWW_HOP_LENGTH], int8_t features[SWW_MEL_BINS]);

/* The 30 x 40 int8 model input, oldest row first. */
const int8_t *sww_frontend_model_input(void);

/* Checksums of the tables (sums in double, in table order) and the number
 * of packed mel weights, for the tests. */
void sww_frontend_tables(double *window_sum, double *mel_sum, int32_t *mel_count);

/* Frames computed since the last start. */
uint32_t sww_frontend_frames(void);

#endif
