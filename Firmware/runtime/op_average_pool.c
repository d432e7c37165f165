/* AVERAGE_POOL_2D: TFLM's reference int8 AveragePool — the sum over the
 * in-bounds part of the window, divided by its size, halves away from zero. */
#include "tb_fixedpoint.h"

void tb_average_pool_eval(const tb_average_pool *p, int8_t *arena) {
    const int8_t *in = arena + p->input;
    int8_t *out = arena + p->output;
    for (int32_t b = 0; b < p->batches; ++b) {
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_top;
            const int32_t ys = y0 < 0 ? 0 : y0, ye = y0 + p->filter_h < p->in_h ? y0 + p->filter_h : p->in_h;
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_left;
                const int32_t xs = x0 < 0 ? 0 : x0, xe = x0 + p->filter_w < p->in_w ? x0 + p->filter_w : p->in_w;
                for (int32_t c = 0; c < p->channels; ++c) {
                    int32_t sum = 0, count = 0;
                    for (int32_t y = ys; y < ye; ++y) {
                        for (int32_t x = xs; x < xe; ++x) {
                            sum += in[(((size_t)b * p->in_h + y) * p->in_w + x) * p->channels + c];
                            ++count;
                        }
                    }
                    if (count == 0) count = 1;
                    const int32_t avg = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
                    out[(((size_t)b * p->out_h + oy) * p->out_w + ox) * p->channels + c] = (int8_t)tb_clamp(avg, p->act_min, p->act_max);
                }
            }
        }
    }
}
