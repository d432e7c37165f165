/* FULLY_CONNECTED: TFLM's reference int8 FullyConnected (weights zero point 0). */
#include "tb_fixedpoint.h"

void tb_fully_connected_eval(const tb_fully_connected *p, int8_t *arena) {
    const int8_t *in = arena + p->input;
    int8_t *out = arena + p->output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *x = in + (size_t)b * p->depth;
        for (int32_t u = 0; u < p->units; ++u) {
            const int8_t *w = p->weights + (size_t)u * p->depth;
            int32_t acc = 0;
            for (int32_t d = 0; d < p->depth; ++d) acc += (x[d] - p->input_zero_point) * w[d];
            if (p->bias) acc += p->bias[u];
            const int32_t v = tb_requantize(acc, &p->multipliers[u]) + p->output_zero_point;
            out[(size_t)b * p->units + u] = (int8_t)tb_clamp(v, p->act_min, p->act_max);
        }
    }
}
