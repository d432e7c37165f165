/* RESHAPE: the bytes are unchanged; input and output are separate arena slots. */
#include <string.h>
#include "tb_model.h"

void tb_copy_eval(const tb_copy *p, int8_t *arena) {
    if (p->input != p->output) memmove(arena + p->output, arena + p->input, p->bytes);
}
