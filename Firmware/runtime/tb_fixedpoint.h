/* TFLM's fixed-point arithmetic (common.h, gemmlowp fixedpoint.h), to the bit. */
#ifndef TB_FIXEDPOINT_H
#define TB_FIXEDPOINT_H

#include <stdint.h>
#include "tb_model.h"

static inline int32_t tb_clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* gemmlowp SaturatingRoundingDoublingHighMul. */
static inline int32_t tb_srdhm(int32_t a, int32_t b) {
    if (a == b && a == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1LL << 30) : (1LL - (1LL << 30));
    return (int32_t)((ab + nudge) / (1LL << 31));
}

/* gemmlowp RoundingDivideByPOT: arithmetic shift, halves away from zero. */
static inline int32_t tb_rdbpot(int32_t x, int32_t exponent) {
    int32_t mask = (int32_t)((1LL << exponent) - 1);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* MultiplyByQuantizedMultiplier with the shift pre-split. */
static inline int32_t tb_requantize(int32_t x, const tb_multiplier *m) {
    int32_t shifted = (int32_t)((uint32_t)x << m->left_shift);
    return tb_rdbpot(tb_srdhm(shifted, m->multiplier), m->right_shift);
}

#endif
