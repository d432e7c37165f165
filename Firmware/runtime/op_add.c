/* ADD (same shapes): TFLM's int8 Add — inputs without zero points, shifted
 * left by 20 bits, rescaled to twice the larger scale, summed, rescaled. */
#include "tb_fixedpoint.h"

void tb_add_eval(const tb_add *p, int8_t *arena) {
    const int8_t *a = arena + p->first, *b = arena + p->second;
    int8_t *out = arena + p->output;
    for (int32_t i = 0; i < p->count; ++i) {
        const int32_t sa = tb_requantize((int32_t)((uint32_t)(p->first_offset + a[i]) << p->left_shift), &p->first_multiplier);
        const int32_t sb = tb_requantize((int32_t)((uint32_t)(p->second_offset + b[i]) << p->left_shift), &p->second_multiplier);
        const int32_t v = tb_requantize(sa + sb, &p->output_multiplier) + p->output_offset;
        out[i] = (int8_t)tb_clamp(v, p->act_min, p->act_max);
    }
}
