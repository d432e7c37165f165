/* TinyBench firmware runtime: a model compiled ahead of time by
 * `tinybench firmware generate` into a list of prepared layers. Every
 * quantity that does not depend on the input (multipliers, shifts, padding,
 * clamp ranges, arena offsets) is computed on the host by TinyRuntime's own
 * prepare steps; the firmware parses nothing and plans nothing. */
#ifndef TB_MODEL_H
#define TB_MODEL_H

#include <stdint.h>
#include <stddef.h>

/* TFLM MultiplyByQuantizedMultiplier, split: x << left_shift, doubling high
 * multiply by multiplier, rounding right shift by right_shift. */
typedef struct {
    int32_t multiplier;
    int32_t left_shift;
    int32_t right_shift;
} tb_multiplier;

/* CONV_2D (depth_multiplier == 0) and DEPTHWISE_CONV_2D. Offsets are into the arena. */
typedef struct {
    uint32_t input, output;
    const int8_t *filter;
    const int32_t *bias;            /* NULL when the model has none */
    const tb_multiplier *multipliers;  /* one per output channel */
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c;
    int32_t k_h, k_w, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
    int32_t depth_multiplier;
    int32_t input_zero_point, output_zero_point, act_min, act_max;
} tb_conv;

typedef struct {
    uint32_t input, output;
    const int8_t *weights;          /* [units][depth] */
    const int32_t *bias;
    const tb_multiplier *multipliers;  /* one per unit */
    int32_t batches, depth, units;
    int32_t input_zero_point, output_zero_point, act_min, act_max;
} tb_fully_connected;

typedef struct {
    uint32_t input, output;
    int32_t batches, in_h, in_w, channels, out_h, out_w;
    int32_t filter_h, filter_w, stride_h, stride_w, pad_top, pad_left;
    int32_t act_min, act_max;
} tb_average_pool;

typedef struct {
    uint32_t first, second, output;
    int32_t count, left_shift;
    int32_t first_offset, second_offset, output_offset;
    tb_multiplier first_multiplier, second_multiplier, output_multiplier;
    int32_t act_min, act_max;
} tb_add;

typedef struct {
    uint32_t input, output;
    int32_t rows, depth;
    int32_t input_multiplier, input_left_shift, diff_min;
} tb_softmax;

typedef struct {
    uint32_t input, output, bytes;
} tb_copy;

typedef enum { TB_CONV, TB_FULLY_CONNECTED, TB_AVERAGE_POOL, TB_ADD, TB_SOFTMAX, TB_COPY } tb_layer_kind;

typedef struct {
    tb_layer_kind kind;
    const void *params;             /* the tb_* struct of `kind` */
    /* The tensor the layer writes (model tensor index, arena offset, bytes), for debugging dumps. */
    uint32_t output_tensor, output_offset, output_bytes;
} tb_layer;

typedef struct {
    const char *name;               /* the benchmark id, e.g. "kws01" */
    const tb_layer *layers;
    uint32_t layer_count;
    uint32_t arena_bytes;
    uint32_t input_offset, input_bytes;
    uint32_t output_offset, output_bytes;
    float input_scale, output_scale;
    int32_t input_zero_point, output_zero_point;
} tb_model;

/* One operator per file, each with this shape. */
void tb_conv_eval(const tb_conv *p, int8_t *arena);
void tb_fully_connected_eval(const tb_fully_connected *p, int8_t *arena);
void tb_average_pool_eval(const tb_average_pool *p, int8_t *arena);
void tb_add_eval(const tb_add *p, int8_t *arena);
void tb_softmax_eval(const tb_softmax *p, int8_t *arena);
void tb_copy_eval(const tb_copy *p, int8_t *arena);

/* Runs layer `index`. */
void tb_invoke_layer(const tb_model *model, uint32_t index, int8_t *arena);

/* Runs every layer once; the input must already be at input_offset. */
void tb_invoke(const tb_model *model, int8_t *arena);

#endif
