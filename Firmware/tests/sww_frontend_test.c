/* Runs the firmware's sww01 front end (core/sww_frontend.c) on the build
 * machine over fixture signals and compares every int8 feature:
 *   sww_frontend_test FIXTURES NAME...
 * reads FIXTURES/NAME.pcm (int16 little-endian mono, whole 512-sample hops)
 * and FIXTURES/NAME.features (40 int8 a hop, from the numpy oracle, which
 * the Swift front end equals on every entry), starting the front end before
 * each signal. Prints one line a signal, the table checksums the fixtures'
 * manifest.json holds (sums in double, in table order), and exits 1 when a
 * feature differs, 2 on a bad file. Tests/EndToEndTests/FirmwareSWWTests
 * builds and runs it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sww_frontend.h"

/* The reference sww01 model's input scale, exactly (0x3B728D31). */
static float reference_scale(void) {
    const uint32_t bits = 0x3B728D31u;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static unsigned char *read_file(const char *dir, const char *name, const char *ext, long *size) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "cannot open %s\n", path); return NULL; }
    fseek(f, 0, SEEK_END);
    *size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *bytes = malloc(*size > 0 ? (size_t)*size : 1);
    if (!bytes || fread(bytes, 1, (size_t)*size, f) != (size_t)*size) {
        fprintf(stderr, "cannot read %s\n", path);
        fclose(f);
        free(bytes);
        return NULL;
    }
    fclose(f);
    return bytes;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s FIXTURES NAME...\n", argv[0]); return 2; }
    sww_frontend_init(reference_scale());
    long total = 0, differing = 0;
    for (int s = 2; s < argc; ++s) {
        long pcm_size = 0, feature_size = 0;
        unsigned char *pcm = read_file(argv[1], argv[s], "pcm", &pcm_size);
        unsigned char *expected = read_file(argv[1], argv[s], "features", &feature_size);
        if (!pcm || !expected) return 2;
        const long hops = pcm_size / (2 * SWW_HOP_LENGTH);
        if (pcm_size % (2 * SWW_HOP_LENGTH) != 0 || feature_size != hops * SWW_MEL_BINS) {
            fprintf(stderr, "%s: %ld PCM bytes and %ld feature bytes do not make whole hops of 512 samples and 40 features\n",
                    argv[s], pcm_size, feature_size);
            return 2;
        }
        sww_frontend_start();
        long differ = 0;
        for (long h = 0; h < hops; ++h) {
            int16_t samples[SWW_HOP_LENGTH];
            for (int i = 0; i < SWW_HOP_LENGTH; ++i) {
                const unsigned char *p = pcm + (h * SWW_HOP_LENGTH + i) * 2;
                samples[i] = (int16_t)(uint16_t)(p[0] | p[1] << 8);
            }
            int8_t features[SWW_MEL_BINS];
            sww_frontend_eval(samples, features);
            const int8_t *row = sww_frontend_model_input() + (SWW_MODEL_INPUT - SWW_MEL_BINS);
            for (int j = 0; j < SWW_MEL_BINS; ++j) {
                const int8_t want = (int8_t)expected[h * SWW_MEL_BINS + j];
                if (features[j] != want || row[j] != want) {
                    if (differ < 5) fprintf(stderr, "%s: hop %ld feature %d: %d, expected %d\n", argv[s], h, j, features[j], want);
                    ++differ;
                }
            }
        }
        /* The model input holds the last 30 hops' rows, oldest first (zero rows before the first hop). */
        const int8_t *input = sww_frontend_model_input();
        for (long r = 0; r < SWW_MODEL_FRAMES; ++r) {
            const long h = hops - SWW_MODEL_FRAMES + r;
            for (int j = 0; j < SWW_MEL_BINS; ++j) {
                const int8_t want = h < 0 ? 0 : (int8_t)expected[h * SWW_MEL_BINS + j];
                if (input[r * SWW_MEL_BINS + j] != want) {
                    if (differ < 5) fprintf(stderr, "%s: model input row %ld value %d: %d, expected %d\n", argv[s], r, j, input[r * SWW_MEL_BINS + j], want);
                    ++differ;
                }
            }
        }
        if (sww_frontend_frames() != (uint32_t)hops) { fprintf(stderr, "%s: frame count %u, expected %ld\n", argv[s], (unsigned)sww_frontend_frames(), hops); ++differ; }
        printf("%s: %ld hops, %ld of %ld features differ\n", argv[s], hops, differ, hops * SWW_MEL_BINS);
        total += hops * SWW_MEL_BINS;
        differing += differ;
        free(pcm);
        free(expected);
    }
    double window_sum = 0, mel_sum = 0;
    int32_t mel_count = 0;
    sww_frontend_tables(&window_sum, &mel_sum, &mel_count);
    printf("windowChecksum %.17g\nmelChecksum %.17g\nmelCount %d\n", window_sum, mel_sum, (int)mel_count);
    printf("total: %ld of %ld features differ\n", differing, total);
    return differing == 0 ? 0 : 1;
}
