/*
 * roundtrip.c - weights printed as decimal literals must round-trip: the
 * same model with embedded weights (text) and with runtime weights (the
 * exact bits from the weight file) gives bit-identical outputs.
 *
 *   roundtrip WEIGHTS_FILE
 */
#include "rt_embed.h"
#include "rt_runtime.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    static unsigned char blob[RT_RUNTIME_WEIGHTS_FILE_BYTES];
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
    if (!f || fread(blob, 1, sizeof blob, f) != sizeof blob) {
        fprintf(stderr, "roundtrip: cannot read the weight file\n");
        return 1;
    }
    fclose(f);
    if (rt_runtime_load_weights(blob, sizeof blob) != 0) {
        fprintf(stderr, "roundtrip: the weight file was refused\n");
        return 1;
    }
    float x[RT_EMBED_INPUT_SIZE], a[RT_EMBED_OUTPUT_SIZE], b[RT_RUNTIME_OUTPUT_SIZE];
    for (int trial = 0; trial < 100; trial++) {
        for (int i = 0; i < RT_EMBED_INPUT_SIZE; i++)
            x[i] = (float)((i * 7919 + trial * 104729) % 2001 - 1000) / 500.0f;
        if (rt_embed_predict(x, a) != 0 || rt_runtime_predict(x, b) != 0)
            return 1;
        if (memcmp(a, b, sizeof a) != 0) {
            fprintf(stderr, "roundtrip: outputs differ in trial %d\n", trial);
            return 1;
        }
    }
    printf("embedded and runtime weights agree bit for bit on 100 inputs\n");
    return 0;
}
