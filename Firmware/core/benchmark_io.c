/* th_load_tensor / th_results of the MLPerf Tiny submitter code, as the
 * emulated DUT does them (BenchmarkIO.swift), so both give the same numbers:
 * kws01 int8 features as they are; vww01/ic01/ic02 uint8 − 128; ad01 float32
 * quantized with the model's input parameters (float division, halves away
 * from zero), result = mean squared error against those floats; classifiers
 * print their dequantized outputs with %0.3f. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "dut.h"

/* printf's "%0.3f" of a float, without printf's float code (newlib's
 * allocates): x·1000 is exact in double (24 + 10 bits), so rounding it to an
 * integer, ties to even as printf does, gives the correctly rounded digits. */
static uint32_t format3(char *out, uint32_t size, float x) {
    const double scaled = nearbyint((double)x * 1000.0);
    const double magnitude = fabs(scaled);
    const unsigned long whole = (unsigned long)(magnitude / 1000.0);
    const unsigned long frac = (unsigned long)(magnitude - (double)whole * 1000.0);
    return (uint32_t)snprintf(out, size, "%s%lu.%03lu", signbit(x) ? "-" : "", whole, frac);
}

static float ad_input[640];

static int is(const tb_model *m, const char *id) { return strcmp(m->name, id) == 0; }

void th_load_tensor(const tb_model *m, int8_t *arena, const uint8_t *bytes, uint32_t count) {
    int8_t *input = arena + m->input_offset;
    if (is(m, "ad01")) {
        for (uint32_t i = 0; i < m->input_bytes && i < 640; ++i) {
            uint32_t bits = 0;
            for (int k = 0; k < 4; ++k) bits |= (uint32_t)(4 * i + k < count ? bytes[4 * i + k] : 0) << (8 * k);
            float x;
            memcpy(&x, &bits, sizeof x);
            ad_input[i] = x;
            const long q = lround((double)(x / m->input_scale)) + m->input_zero_point;
            input[i] = (int8_t)(q < -128 ? -128 : (q > 127 ? 127 : q));
        }
        return;
    }
    const int shift = is(m, "vww01") || is(m, "ic01") || is(m, "ic02");
    for (uint32_t i = 0; i < m->input_bytes; ++i) {
        const uint8_t b = i < count ? bytes[i] : 0;
        input[i] = (int8_t)(shift ? b ^ 0x80 : b);
    }
}

void th_results(const tb_model *m, const int8_t *arena, char *line, uint32_t size) {
    const int8_t *out = arena + m->output_offset;
    if (is(m, "ad01")) {
        float sum = 0;
        for (uint32_t i = 0; i < m->output_bytes; ++i) {
            const float y = (float)(out[i] - m->output_zero_point) * m->output_scale;
            const float d = ad_input[i] - y;
            sum += d * d;
        }
        uint32_t n = (uint32_t)snprintf(line, size, "m-results-[");
        n += format3(line + n, size - n, sum / (float)m->output_bytes);
        if (n < size) snprintf(line + n, size - n, "]");
        return;
    }
    uint32_t n = (uint32_t)snprintf(line, size, "m-results-[");
    for (uint32_t i = 0; i < m->output_bytes && n < size; ++i) {
        const float y = (float)(out[i] - m->output_zero_point) * m->output_scale;
        if (i) n += (uint32_t)snprintf(line + n, size - n, ",");
        if (n < size) n += format3(line + n, size - n, y);
    }
    if (n < size) snprintf(line + n, size - n, "]");
}
