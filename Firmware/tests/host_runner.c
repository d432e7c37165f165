/* Runs a generated model on the host (any C compiler): reads lines
 * "INPUT OUTPUT DUMPS" from standard input, loads INPUT's bytes as the model
 * input, runs every layer, and writes the raw output tensor to OUTPUT; when
 * DUMPS is not "-", each layer's output also goes to DUMPS/<tensor>.bin. Used by the tests to
 * compare the firmware's arithmetic with TFLM's golden outputs before the
 * same code runs under QEMU. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tb_model.h"

extern const tb_model tb_generated_model;

int main(void) {
    const tb_model *m = &tb_generated_model;
    int8_t *arena = calloc(m->arena_bytes ? m->arena_bytes : 1, 1);
    char in_path[4096], out_path[4096], dump_dir[4000];
    int cases = 0;
    while (arena && scanf("%4095s %4095s %3999s", in_path, out_path, dump_dir) == 3) {
        FILE *f = fopen(in_path, "rb");
        if (!f) { fprintf(stderr, "cannot open %s\n", in_path); return 2; }
        size_t n = fread(arena + m->input_offset, 1, m->input_bytes, f);
        int extra = fgetc(f);
        fclose(f);
        if (n != m->input_bytes || extra != EOF) {
            fprintf(stderr, "%s: expected %u bytes\n", in_path, (unsigned)m->input_bytes);
            return 2;
        }
        for (uint32_t i = 0; i < m->layer_count; ++i) {
            tb_invoke_layer(m, i, arena);
            if (strcmp(dump_dir, "-") != 0) {
                char path[4200];
                const tb_layer *layer = &m->layers[i];
                snprintf(path, sizeof path, "%s/%03u.bin", dump_dir, (unsigned)layer->output_tensor);
                FILE *d = fopen(path, "wb");
                if (!d || fwrite(arena + layer->output_offset, 1, layer->output_bytes, d) != layer->output_bytes) {
                    fprintf(stderr, "cannot write %s\n", path);
                    return 2;
                }
                fclose(d);
            }
        }
        FILE *o = fopen(out_path, "wb");
        if (!o || fwrite(arena + m->output_offset, 1, m->output_bytes, o) != m->output_bytes) {
            fprintf(stderr, "cannot write %s\n", out_path);
            return 2;
        }
        fclose(o);
        ++cases;
    }
    printf("%s: %d cases\n", m->name, cases);
    free(arena);
    return 0;
}
