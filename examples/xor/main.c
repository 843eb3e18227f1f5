/*
 * main.c - runs the XOR model that kcc compiled to xor.c / xor.h.
 *
 *   kcc models/xor_trained/model.json -o xor.c
 *   cc -std=c99 -O2 main.c xor.c -lm -o xor && ./xor
 */
#include "xor.h"

#include <stdio.h>

int main(void)
{
    static const float inputs[4][XOR_INPUT_SIZE] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    int wrong = 0;
    printf("XOR with %d parameters (%d bytes of weights, %d bytes of arena):\n",
           XOR_PARAM_COUNT, XOR_WEIGHTS_BYTES, XOR_ARENA_BYTES);
    for (int i = 0; i < 4; i++) {
        float out[XOR_OUTPUT_SIZE];
        if (xor_predict(inputs[i], out) != 0)
            return 1;
        int want = (int)inputs[i][0] ^ (int)inputs[i][1];
        int got = out[0] > 0.5f;
        printf("  %g xor %g -> %.4f (%d)%s\n", inputs[i][0], inputs[i][1], out[0], got,
               got == want ? "" : "  WRONG");
        wrong += got != want;
    }
    return wrong != 0;
}
