/* The same model in both data formats: the same outputs on transposed
 * input. */
#include "f_first.h" /* channels_first.json */
#include "f_last.h"  /* channels_last.json: the same layers */
#include <math.h>
#include <stdio.h>

int main(void)
{
    static float xl[9][8][3], xf[3][9][8], yl[F_LAST_OUTPUT_SIZE], yf[F_FIRST_OUTPUT_SIZE];
    unsigned s = 12345;
    int bad = 0;
    for (int sample = 0; sample < 4; sample++) {
        for (int i = 0; i < 9; i++)
            for (int j = 0; j < 8; j++)
                for (int c = 0; c < 3; c++) {
                    s = s * 1103515245u + 12345u;
                    xl[i][j][c] = xf[c][i][j] = (float)((s >> 8) & 0xffff) / 32768.0f - 1.0f;
                }
        if (f_last_predict(&xl[0][0][0], yl) || f_first_predict(&xf[0][0][0], yf))
            return 1;
        /* Tolerance: 1e-4 of the sample's largest output (the formats sum
         * in different orders). */
        double scale = 0;
        for (int k = 0; k < F_LAST_OUTPUT_SIZE; k++)
            scale = fmax(scale, fabs((double)yl[k]));
        for (int k = 0; k < F_LAST_OUTPUT_SIZE; k++) {
            double d = fabs((double)yl[k] - (double)yf[k]);
            printf("sample %d output %d: channels_last %.9g channels_first %.9g\n", sample, k,
                   yl[k], yf[k]);
            if (!(scale > 0 && d <= 1e-4 * scale))
                bad++;
        }
    }
    if (bad)
        printf("FAIL: %d outputs differ\n", bad);
    return bad ? 1 : 0;
}
