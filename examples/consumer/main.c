/*
 * Runs two Keras models compiled to C by kcc_add_model() (CMakeLists.txt):
 * xor on the four XOR inputs and churn on one random customer.  Exits 1
 * if any output is not a probability.
 */
#include <math.h>
#include <stdio.h>

#include <kcc.h>   /* kcc's runtime library, kcc::runtime */

#include "churn.h" /* generated from churn.json */
#include "xor.h"   /* generated from xor.json */

/* The generated headers describe each model: a different model fails here. */
_Static_assert(XOR_INPUT_SIZE == 2 && XOR_OUTPUT_SIZE == 1, "xor: 2 inputs, 1 output");
_Static_assert(XOR_PARAM_COUNT == 65, "xor: 65 parameters");
_Static_assert(CHURN_INPUT_SIZE == 11 && CHURN_OUTPUT_SIZE == 1, "churn: 11 inputs, 1 output");
_Static_assert(CHURN_PARAM_COUNT == 121, "churn: 121 parameters");

/* 0 if y is a probability, else 1 (with a message). */
static int check(const char *model, int status, float y)
{
    if (status != 0 || !isfinite(y) || y < 0.0f || y > 1.0f) {
        fprintf(stderr, "%s: status %d, output %g is not in [0, 1]\n", model, status, y);
        return 1;
    }
    return 0;
}

int main(void)
{
    static const float xor_in[4][XOR_INPUT_SIZE] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    float out[1]; /* both models have one output (checked above) */
    int failures = 0;

    /* xor_predict uses a static arena: simple, but one thread at a time. */
    for (int i = 0; i < 4; i++) {
        int status = xor_predict(xor_in[i], out);
        printf("xor(%g, %g) = %f\n", xor_in[i][0], xor_in[i][1], out[0]);
        failures += check("xor", status, out[0]);
    }

    /* One customer with features drawn uniformly from [0, 1) by the runtime
     * library's random number generator. */
    kcc_rng rng;
    kcc_rng_seed(&rng, 42);
    float churn_in[CHURN_INPUT_SIZE];
    for (int i = 0; i < CHURN_INPUT_SIZE; i++)
        churn_in[i] = (float)kcc_rng_uniform(&rng);

    /* The _r form runs in the caller's arena: one per thread. */
    churn_arena arena;
    int status = churn_predict_r(&arena, churn_in, out);
    printf("churn = %f\n", out[0]);
    failures += check("churn", status, out[0]);

    return failures == 0 ? 0 : 1;
}
