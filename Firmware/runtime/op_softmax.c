/* SOFTMAX, int8 in, int8 out (scale 1/256, zero point -128): TFLM's
 * reference int8 Softmax with gemmlowp's fixed-point exp and reciprocal.
 * A "Qn" value has n integer bits and 31 - n fractional bits. */
#include "tb_fixedpoint.h"

#define TB_SCALED_DIFF_BITS 5
#define TB_ACCUMULATION_BITS 12

static int32_t multiply_by_pot(int32_t x, int exponent) {
    if (exponent == 0) return x;
    if (exponent < 0) return tb_rdbpot(x, -exponent);
    const int32_t threshold = (int32_t)((1LL << (31 - exponent)) - 1);
    if (x > threshold) return INT32_MAX;
    if (x < -threshold) return INT32_MIN;
    return (int32_t)((uint32_t)x << exponent);
}

static int32_t one_q(int integer_bits) { return integer_bits == 0 ? INT32_MAX : (int32_t)(1u << (31 - integer_bits)); }

static int32_t rounding_half_sum(int32_t a, int32_t b) {
    const int64_t sum = (int64_t)a + (int64_t)b;
    const int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

/* exp on [-1/4, 0), Q0 -> Q0. */
static int32_t exp_negative_quarter(int32_t a) {
    const int32_t constant_term = 1895147668, one_third = 715827883;
    const int32_t x = a + (1 << 28);
    const int32_t x2 = tb_srdhm(x, x), x3 = tb_srdhm(x2, x), x4 = tb_srdhm(x2, x2);
    const int32_t x4_over_4 = multiply_by_pot(x4, -2);
    const int32_t poly = multiply_by_pot(tb_srdhm(x4_over_4 + x3, one_third) + x2, -1);
    return constant_term + tb_srdhm(constant_term, x + poly);
}

/* exp of a non-positive Q(integer_bits) value, as Q0. */
static int32_t exp_on_negative_values(int32_t a, int integer_bits) {
    static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
    const int fractional_bits = 31 - integer_bits;
    const int32_t one_quarter = (int32_t)(1u << (fractional_bits - 2));
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_quarter_minus_quarter = (a & mask) - one_quarter;
    int32_t result = exp_negative_quarter(multiply_by_pot(a_mod_quarter_minus_quarter, integer_bits));
    const int32_t remainder = a_mod_quarter_minus_quarter - a;
    for (int k = 0; k < 7; ++k) {
        const int exponent = k - 2;
        if (integer_bits > exponent) {
            const int32_t bit = (int32_t)(1u << (fractional_bits + exponent));
            if (remainder & bit) result = tb_srdhm(result, multipliers[k]);
        }
    }
    if (integer_bits > 5) {
        const int32_t clamp = -(int32_t)(1u << (36 - integer_bits));
        if (a < clamp) result = 0;
    }
    return a == 0 ? one_q(0) : result;
}

/* 1 / (1 + x) for x in [0, 1), Q0 -> Q0 (Newton-Raphson, three steps). */
static int32_t one_over_one_plus_x(int32_t a) {
    const int32_t half_denominator = rounding_half_sum(a, one_q(0));
    const int32_t c48_over_17 = 1515870810, c_minus_32_over_17 = -1010580540;
    int32_t x = c48_over_17 + tb_srdhm(half_denominator, c_minus_32_over_17);
    for (int i = 0; i < 3; ++i) {
        const int32_t half_denominator_times_x = tb_srdhm(half_denominator, x);
        const int32_t one_minus = one_q(2) - half_denominator_times_x;
        x = x + multiply_by_pot(tb_srdhm(x, one_minus), 2);
    }
    return multiply_by_pot(x, 1);
}

void tb_softmax_eval(const tb_softmax *p, int8_t *arena) {
    const int8_t *in = arena + p->input;
    int8_t *out = arena + p->output;
    for (int32_t r = 0; r < p->rows; ++r) {
        const int8_t *x = in + (size_t)r * p->depth;
        int8_t *y = out + (size_t)r * p->depth;
        int32_t max_value = -128;
        for (int32_t i = 0; i < p->depth; ++i) if (x[i] > max_value) max_value = x[i];
        int32_t sum = 0;
        for (int32_t i = 0; i < p->depth; ++i) {
            const int32_t diff = x[i] - max_value;
            if (diff >= p->diff_min) {
                const int32_t rescaled = tb_srdhm((int32_t)((uint32_t)diff << p->input_left_shift), p->input_multiplier);
                sum += multiply_by_pot(exp_on_negative_values(rescaled, TB_SCALED_DIFF_BITS), -TB_ACCUMULATION_BITS);
            }
        }
        /* GetReciprocal: 1/sum as a Q0 scale and the bits by which sum exceeds one. */
        const int headroom_plus_one = sum == 0 ? 32 : __builtin_clz((uint32_t)sum);
        const int bits_over_unit = TB_ACCUMULATION_BITS - headroom_plus_one;
        const int32_t shifted_sum_minus_one = (int32_t)(((uint32_t)sum << headroom_plus_one) - (1u << 31));
        const int32_t scale = one_over_one_plus_x(shifted_sum_minus_one);
        for (int32_t i = 0; i < p->depth; ++i) {
            const int32_t diff = x[i] - max_value;
            if (diff >= p->diff_min) {
                const int32_t rescaled = tb_srdhm((int32_t)((uint32_t)diff << p->input_left_shift), p->input_multiplier);
                const int32_t e = exp_on_negative_values(rescaled, TB_SCALED_DIFF_BITS);
                const int32_t unsaturated = tb_rdbpot(tb_srdhm(scale, e), bits_over_unit + 31 - 8);
                y[i] = (int8_t)tb_clamp(unsaturated - 128, -128, 127);
            } else {
                y[i] = -128;
            }
        }
    }
}
