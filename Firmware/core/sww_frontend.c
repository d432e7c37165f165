/* sww01's streaming front end: the C twin of StreamingFrontEnd.swift
 * (Sources/TinyBenchEmulators/Streaming), whose doc comments state the steps
 * and the order of every float32 operation. Each operation here is the same
 * one on the same operands in the same order, and the file must be built
 * with -ffp-contract=off (no fused multiply-add), so the int8 features are
 * the Swift front end's to the bit; Tests/EndToEndTests/FirmwareSWWTests
 * checks them on the fixture signals (host build) and under QEMU. */
#include <math.h>
#include <string.h>
#include "sww_frontend.h"

#define SWW_BINS (SWW_WINDOW_LENGTH / 2 + 1)
/* pi as the double nearest to it (Swift's Double.pi; strict C11 has no M_PI). */
#define SWW_PI 3.14159265358979323846
/* Packed non-zero mel weights: 987 for these parameters. */
#define SWW_MEL_WEIGHTS_MAX 1024

static float input_scale;
static float window[SWW_WINDOW_LENGTH];
static float twiddle_cos[SWW_WINDOW_LENGTH / 2], twiddle_sin[SWW_WINDOW_LENGTH / 2];
static float mel_weights[SWW_MEL_WEIGHTS_MAX];
static int32_t mel_starts[SWW_MEL_BINS], mel_offsets[SWW_MEL_BINS + 1];

static int16_t block[SWW_WINDOW_LENGTH];
static int8_t model_input[SWW_MODEL_INPUT];
static float last_value;
static uint32_t frames;

/* Work buffers of one hop (static: a Cortex-M stack is small). */
static float re[SWW_WINDOW_LENGTH], im[SWW_WINDOW_LENGTH], power[SWW_BINS];

/* `v` printed with `digits` decimals (printf's correctly rounded "%.Nf") and
 * read back with a correctly rounded strtof, as the DUT's constant tables
 * were made and as the Swift front end does, without printf's float code
 * (newlib-nano has none). v * 10^digits is exact in double (24 + 27 bits),
 * so nearbyint gives printf's digits (ties to even); the nearest float to
 * r / 10^digits is then settled exactly among (float)(r / 10^digits) and its
 * neighbours: c * 10^digits - r is exact in double for every candidate c. */
static float rounded_decimal(float v, int digits) {
    double scale = 1;
    for (int i = 0; i < digits; ++i) scale *= 10;
    const double r = nearbyint((double)v * scale);
    const float guess = (float)(r / scale);
    const float candidates[3] = {nextafterf(guess, -INFINITY), guess, nextafterf(guess, INFINITY)};
    float best = guess;
    double best_error = fabs((double)guess * scale - r);
    for (int i = 0; i < 3; ++i) {
        const double error = fabs((double)candidates[i] * scale - r);
        uint32_t bits;
        memcpy(&bits, &candidates[i], sizeof bits);
        /* A tie goes to the even significand, as strtof rounds. */
        if (error < best_error || (error == best_error && (bits & 1u) == 0)) {
            best = candidates[i];
            best_error = error;
        }
    }
    return best;
}

/* HTK mel, `1127 ln(1 + f / 700)` in float32 with the logarithm taken in
 * double and rounded once (a correctly rounded logf), as the Swift front end. */
static float mel(float hz) {
    return 1127.0f * (float)log((double)(1.0f + hz / 700.0f));
}

/* Point i of a float32 linspace from a to b (count points): `i * delta + a`,
 * the last point exactly b (TensorFlow's). */
static float linspace(float a, float b, int32_t count, int32_t i) {
    const float delta = (b - a) / (float)(count - 1);
    return i == count - 1 ? b : (float)i * delta + a;
}

/* tf.signal.linear_to_mel_weight_matrix(40, 513, 16000, 0, 8000) at (bin k,
 * filter j), from the bins' mels and the 42 band edges (both float32 linspaces). */
static float mel_matrix(const float *bin_mels, const float *edges, int32_t k, int32_t j) {
    if (k == 0) return 0;
    const float m = bin_mels[k];
    const float lower = (m - edges[j]) / (edges[j + 1] - edges[j]);
    const float upper = (edges[j + 2] - m) / (edges[j + 2] - edges[j + 1]);
    /* Swift's min(x, y) is `y < x ? y : x`, max(x, y) is `y >= x ? y : x`. */
    const float smaller = upper < lower ? upper : lower;
    return smaller >= 0 ? smaller : 0;
}

void sww_frontend_init(float scale) {
    input_scale = scale;
    const int32_t n = SWW_WINDOW_LENGTH;
    for (int32_t i = 0; i < n; ++i) {
        /* The argument in float32 as TensorFlow forms it, the cosine in double rounded once. */
        const float argument = (float)(2 * SWW_PI) * (float)i / (float)n;
        const float w = 0.54f - 0.46f * (float)cos((double)argument);
        window[i] = rounded_decimal(w, 8);
    }
    for (int32_t k = 0; k < n / 2; ++k) {
        twiddle_cos[k] = (float)cos(2 * SWW_PI * (double)k / (double)n);
        twiddle_sin[k] = (float)sin(2 * SWW_PI * (double)k / (double)n);
    }
    /* The mel of every bin frequency and the band edges, in the work buffers
     * (not yet in use): init needs no memory of its own. */
    float *bin_mels = power, *edges = im;
    for (int32_t k = 0; k < SWW_BINS; ++k) bin_mels[k] = mel(linspace(0, 8000, SWW_BINS, k));
    const float low = mel(0), high = mel(8000);
    for (int32_t j = 0; j < SWW_MEL_BINS + 2; ++j) edges[j] = linspace(low, high, SWW_MEL_BINS + 2, j);
    int32_t packed = 0;
    mel_offsets[0] = 0;
    for (int32_t j = 0; j < SWW_MEL_BINS; ++j) {
        int32_t first = -1, last = -1;
        for (int32_t k = 0; k < SWW_BINS; ++k) {
            if (rounded_decimal(mel_matrix(bin_mels, edges, k, j), 6) != 0) {
                if (first < 0) first = k;
                last = k;
            }
        }
        /* Every filter has a non-zero span for these parameters; an empty
         * one (or an overflow) keeps a zero-length span rather than writing
         * past the table. */
        mel_starts[j] = first < 0 ? 0 : first;
        for (int32_t k = first; first >= 0 && k <= last && packed < SWW_MEL_WEIGHTS_MAX; ++k)
            mel_weights[packed++] = rounded_decimal(mel_matrix(bin_mels, edges, k, j), 6);
        mel_offsets[j + 1] = packed;
    }
    sww_frontend_start();
}

void sww_frontend_start(void) {
    memset(block, 0, sizeof block);
    memset(model_input, 0, sizeof model_input);
    last_value = 0;
    frames = 0;
}

/* In-place 1,024-point complex FFT, the Swift front end's `fft`: bit-reversal
 * permutation, then radix-2 butterflies for span = 2 ... 1024 with
 * t = (wr * b.re + wi * b.im, wr * b.im - wi * b.re). */
static void fft(void) {
    const int32_t n = SWW_WINDOW_LENGTH;
    int32_t j = 0;
    for (int32_t i = 0; i < n - 1; ++i) {
        if (i < j) {
            const float tr = re[i], ti = im[i];
            re[i] = re[j]; im[i] = im[j];
            re[j] = tr; im[j] = ti;
        }
        int32_t bit = n >> 1;
        while (j & bit) { j ^= bit; bit >>= 1; }
        j |= bit;
    }
    for (int32_t span = 2; span <= n; span *= 2) {
        const int32_t half = span / 2, step = n / span;
        for (int32_t g = 0; g < n; g += span) {
            for (int32_t k = 0; k < half; ++k) {
                const float wr = twiddle_cos[k * step], wi = twiddle_sin[k * step];
                const float br = re[g + k + half], bi = im[g + k + half];
                const float tr = wr * br + wi * bi;
                const float ti = wr * bi - wi * br;
                const float ar = re[g + k], ai = im[g + k];
                re[g + k + half] = ar - tr; im[g + k + half] = ai - ti;
                re[g + k] = ar + tr; im[g + k] = ai + ti;
            }
        }
    }
}

void sww_frontend_eval(const int16_t samples[SWW_HOP_LENGTH], int8_t features[SWW_MEL_BINS]) {
    const int32_t n = SWW_WINDOW_LENGTH, hop = SWW_HOP_LENGTH;
    const float c = 0.96875f;
    memmove(block, block + hop, (size_t)(n - hop) * sizeof block[0]);
    memcpy(block + (n - hop), samples, (size_t)hop * sizeof block[0]);
    /* Pre-emphasis (carried across hops) and window. */
    re[0] = ((float)block[0] / 32768.0f - last_value * c) * window[0];
    im[0] = 0;
    for (int32_t i = 1; i < n; ++i) {
        const float x = (float)block[i] / 32768.0f, previous = (float)block[i - 1] / 32768.0f;
        re[i] = (x - c * previous) * window[i];
        im[i] = 0;
    }
    last_value = (float)block[hop - 1] / 32768.0f;
    fft();
    const float inverse_length = 1.0f / 1024.0f;
    for (int32_t k = 0; k < n / 2; ++k) {
        const float i = k == 0 ? 0.0f : im[k];
        const float magnitude = sqrtf(re[k] * re[k] + i * i);
        power[k] = (magnitude * magnitude) * inverse_length;
    }
    power[n / 2] = (re[n / 2] * re[n / 2]) * inverse_length;
    for (int32_t j = 0; j < SWW_MEL_BINS; ++j) {
        float acc = 0;
        const int32_t start = mel_starts[j];
        for (int32_t k = mel_offsets[j]; k < mel_offsets[j + 1]; ++k)
            acc = acc + power[start + (k - mel_offsets[j])] * mel_weights[k];
        const float clipped = (double)acc > 1e-30 ? acc : 1e-30f;
        const float db = (float)(10 * log10((double)clipped));
        const float v = (db + 52.0f) * (1.0f / 64.0f);
        const float f = v < 0 ? 0.0f : (v > 1 ? 1.0f : v);
        /* The DUT's (int8_t)(f / scale - 128): truncation toward zero, and a
         * value above 127 wraps as the Cortex-M's vcvt + byte store does. */
        const float q = f / input_scale - 128.0f;
        /* Outside int32 (only with a nonsensical scale) the C conversion is
         * undefined: give -128 (0x80) rather than anything unpredictable. */
        const int32_t t = q > -2147483648.0f && q < 2147483648.0f ? (int32_t)q : INT32_MIN;
        features[j] = (int8_t)(uint8_t)(uint32_t)t;
    }
    memmove(model_input, model_input + SWW_MEL_BINS, SWW_MODEL_INPUT - SWW_MEL_BINS);
    memcpy(model_input + (SWW_MODEL_INPUT - SWW_MEL_BINS), features, SWW_MEL_BINS);
    ++frames;
}

const int8_t *sww_frontend_model_input(void) { return model_input; }

uint32_t sww_frontend_frames(void) { return frames; }

void sww_frontend_tables(double *window_sum, double *mel_sum, int32_t *mel_count) {
    double w = 0, m = 0;
    for (int32_t i = 0; i < SWW_WINDOW_LENGTH; ++i) w = w + (double)window[i];
    for (int32_t i = 0; i < mel_offsets[SWW_MEL_BINS]; ++i) m = m + (double)mel_weights[i];
    *window_sum = w;
    *mel_sum = m;
    *mel_count = mel_offsets[SWW_MEL_BINS];
}
