/* deriche (recursive edge-detection filter) in the PolyBench/C 4.2 layout, float images.
 * Two causal/anti-causal passes along each row into the temporaries y1 and y2, their sum into
 * imgOut, then the same two passes down each column of imgOut, summed again.  The recurrences
 * run sequentially inside each row (column); rows (columns) are independent.  One data region
 * around the whole scop keeps y1 and y2 device-only. */
#include <math.h>
#include <stdio.h>
#include "polybench_lite.h"
#define W 256
#define H 192
#define DATA_TYPE float
#define SCALAR_VAL_F(x) x##f
#define EXP_FUN expf
#define POW_FUN powf
#define _PB_W POLYBENCH_LOOP_BOUND(W, w)
#define _PB_H POLYBENCH_LOOP_BOUND(H, h)

int check_deriche(int w, int h, float alpha, const float *out);

static void init_array(int w, int h, DATA_TYPE *alpha, DATA_TYPE POLYBENCH_2D(imgIn, W, H, w, h),
                       DATA_TYPE POLYBENCH_2D(imgOut, W, H, w, h))
{
    int i, j;
    *alpha = 0.25f;
    for (i = 0; i < w; i++)
        for (j = 0; j < h; j++)
            imgIn[i][j] = (DATA_TYPE)((313 * i + 991 * j) % 65536) / 65535.0f;
}

static void kernel_deriche(int w, int h, DATA_TYPE alpha,
                           DATA_TYPE POLYBENCH_2D(imgIn, W, H, w, h),
                           DATA_TYPE POLYBENCH_2D(imgOut, W, H, w, h),
                           DATA_TYPE POLYBENCH_2D(y1, W, H, w, h),
                           DATA_TYPE POLYBENCH_2D(y2, W, H, w, h))
{
    int i, j;
    DATA_TYPE xm1, tm1, ym1, ym2;
    DATA_TYPE xp1, xp2;
    DATA_TYPE tp1, tp2;
    DATA_TYPE yp1, yp2;
    DATA_TYPE k;
    DATA_TYPE a1, a2, a3, a4, a5, a6, a7, a8;
    DATA_TYPE b1, b2, c1, c2;

#pragma scop
    k = (SCALAR_VAL(1.0f) - EXP_FUN(-alpha)) * (SCALAR_VAL(1.0f) - EXP_FUN(-alpha)) /
        (SCALAR_VAL(1.0f) + SCALAR_VAL(2.0f) * alpha * EXP_FUN(-alpha) - EXP_FUN(SCALAR_VAL(2.0f) * alpha));
    a1 = a5 = k;
    a2 = a6 = k * EXP_FUN(-alpha) * (alpha - SCALAR_VAL(1.0f));
    a3 = a7 = k * EXP_FUN(-alpha) * (alpha + SCALAR_VAL(1.0f));
    a4 = a8 = -k * EXP_FUN(SCALAR_VAL(-2.0f) * alpha);
    b1 = POW_FUN(SCALAR_VAL(2.0f), -alpha);
    b2 = -EXP_FUN(SCALAR_VAL(-2.0f) * alpha);
    c1 = c2 = 1;

    #pragma acc data copyin(imgIn[0:W][0:H]) copyout(imgOut[0:W][0:H]) create(y1[0:W][0:H], y2[0:W][0:H])
    {
        #pragma acc parallel loop gang vector private(ym1, ym2, xm1)
        for (i = 0; i < _PB_W; i++) {
            ym1 = SCALAR_VAL(0.0f);
            ym2 = SCALAR_VAL(0.0f);
            xm1 = SCALAR_VAL(0.0f);
            #pragma acc loop seq
            for (j = 0; j < _PB_H; j++) {
                y1[i][j] = a1 * imgIn[i][j] + a2 * xm1 + b1 * ym1 + b2 * ym2;
                xm1 = imgIn[i][j];
                ym2 = ym1;
                ym1 = y1[i][j];
            }
        }

        #pragma acc parallel loop gang vector private(yp1, yp2, xp1, xp2)
        for (i = 0; i < _PB_W; i++) {
            yp1 = SCALAR_VAL(0.0f);
            yp2 = SCALAR_VAL(0.0f);
            xp1 = SCALAR_VAL(0.0f);
            xp2 = SCALAR_VAL(0.0f);
            #pragma acc loop seq
            for (j = _PB_H - 1; j >= 0; j--) {
                y2[i][j] = a3 * xp1 + a4 * xp2 + b1 * yp1 + b2 * yp2;
                xp2 = xp1;
                xp1 = imgIn[i][j];
                yp2 = yp1;
                yp1 = y2[i][j];
            }
        }

        #pragma acc parallel loop collapse(2)
        for (i = 0; i < _PB_W; i++)
            for (j = 0; j < _PB_H; j++)
                imgOut[i][j] = c1 * (y1[i][j] + y2[i][j]);

        #pragma acc parallel loop gang vector private(tm1, ym1, ym2)
        for (j = 0; j < _PB_H; j++) {
            tm1 = SCALAR_VAL(0.0f);
            ym1 = SCALAR_VAL(0.0f);
            ym2 = SCALAR_VAL(0.0f);
            #pragma acc loop seq
            for (i = 0; i < _PB_W; i++) {
                y1[i][j] = a5 * imgOut[i][j] + a6 * tm1 + b1 * ym1 + b2 * ym2;
                tm1 = imgOut[i][j];
                ym2 = ym1;
                ym1 = y1[i][j];
            }
        }

        #pragma acc parallel loop gang vector private(tp1, tp2, yp1, yp2)
        for (j = 0; j < _PB_H; j++) {
            tp1 = SCALAR_VAL(0.0f);
            tp2 = SCALAR_VAL(0.0f);
            yp1 = SCALAR_VAL(0.0f);
            yp2 = SCALAR_VAL(0.0f);
            #pragma acc loop seq
            for (i = _PB_W - 1; i >= 0; i--) {
                y2[i][j] = a7 * tp1 + a8 * tp2 + b1 * yp1 + b2 * yp2;
                tp2 = tp1;
                tp1 = imgOut[i][j];
                yp2 = yp1;
                yp1 = y2[i][j];
            }
        }

        #pragma acc parallel loop collapse(2)
        for (i = 0; i < _PB_W; i++)
            for (j = 0; j < _PB_H; j++)
                imgOut[i][j] = c2 * (y1[i][j] + y2[i][j]);
    }
#pragma endscop
}

int main(int argc, char **argv)
{
    int w = W, h = H;
    DATA_TYPE alpha;
    POLYBENCH_2D_ARRAY_DECL(imgIn, DATA_TYPE, W, H, w, h);
    POLYBENCH_2D_ARRAY_DECL(imgOut, DATA_TYPE, W, H, w, h);
    POLYBENCH_2D_ARRAY_DECL(y1, DATA_TYPE, W, H, w, h);
    POLYBENCH_2D_ARRAY_DECL(y2, DATA_TYPE, W, H, w, h);
    init_array(w, h, &alpha, POLYBENCH_ARRAY(imgIn), POLYBENCH_ARRAY(imgOut));
    kernel_deriche(w, h, alpha, POLYBENCH_ARRAY(imgIn), POLYBENCH_ARRAY(imgOut),
                   POLYBENCH_ARRAY(y1), POLYBENCH_ARRAY(y2));
    double sum = 0.0;
    for (int i = 0; i < w; i++)
        for (int j = 0; j < h; j++)
            sum += (*imgOut)[i][j];
    printf("checksum %.4f\n", sum);
    int bad = check_deriche(w, h, alpha, &(*imgOut)[0][0]);
    if (bad == 0)
        printf("VERIFIED\n");
    POLYBENCH_FREE_ARRAY(imgIn);
    POLYBENCH_FREE_ARRAY(imgOut);
    POLYBENCH_FREE_ARRAY(y1);
    POLYBENCH_FREE_ARRAY(y2);
    return bad != 0;
}
