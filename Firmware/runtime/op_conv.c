/* CONV_2D and DEPTHWISE_CONV_2D: TFLM's reference ConvPerChannel and
 * DepthwiseConvPerChannel. Padding taps contribute nothing. */
#include "tb_fixedpoint.h"

void tb_conv_eval(const tb_conv *p, int8_t *arena) {
    const int8_t *in = arena + p->input;
    int8_t *out = arena + p->output;
    const int depthwise = p->depth_multiplier > 0;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *image = in + (size_t)b * p->in_h * p->in_w * p->in_c;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_top;
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_left;
                int8_t *dst = out + (((size_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c;
                for (int32_t oc = 0; oc < p->out_c; ++oc) {
                    int32_t acc = 0;
                    for (int32_t ky = 0; ky < p->k_h; ++ky) {
                        const int32_t y = y0 + ky * p->dilation_h;
                        if (y < 0 || y >= p->in_h) continue;
                        for (int32_t kx = 0; kx < p->k_w; ++kx) {
                            const int32_t x = x0 + kx * p->dilation_w;
                            if (x < 0 || x >= p->in_w) continue;
                            const int8_t *pixel = image + ((size_t)y * p->in_w + x) * p->in_c;
                            if (depthwise) {
                                const int32_t ic = oc / p->depth_multiplier;
                                const int8_t w = p->filter[((size_t)ky * p->k_w + kx) * p->out_c + oc];
                                acc += (pixel[ic] - p->input_zero_point) * w;
                            } else {
                                const int8_t *w = p->filter + (((size_t)oc * p->k_h + ky) * p->k_w + kx) * p->in_c;
                                for (int32_t ic = 0; ic < p->in_c; ++ic) acc += (pixel[ic] - p->input_zero_point) * w[ic];
                            }
                        }
                    }
                    if (p->bias) acc += p->bias[oc];
                    const int32_t v = tb_requantize(acc, &p->multipliers[oc]) + p->output_zero_point;
                    dst[oc] = (int8_t)tb_clamp(v, p->act_min, p->act_max);
                }
            }
        }
    }
}
