/* Runs a generated model: each layer's eval, in order, on one arena. */
#include "tb_model.h"

void tb_invoke_layer(const tb_model *model, uint32_t index, int8_t *arena) {
    const tb_layer *layer = &model->layers[index];
    switch (layer->kind) {
    case TB_CONV: tb_conv_eval(layer->params, arena); break;
    case TB_FULLY_CONNECTED: tb_fully_connected_eval(layer->params, arena); break;
    case TB_AVERAGE_POOL: tb_average_pool_eval(layer->params, arena); break;
    case TB_ADD: tb_add_eval(layer->params, arena); break;
    case TB_SOFTMAX: tb_softmax_eval(layer->params, arena); break;
    case TB_COPY: tb_copy_eval(layer->params, arena); break;
    }
}

void tb_invoke(const tb_model *model, int8_t *arena) {
    for (uint32_t i = 0; i < model->layer_count; ++i) tb_invoke_layer(model, i, arena);
}
