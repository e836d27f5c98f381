/* fdtd-apml in the PolyBench-ACC layout (PolyBench 3.2's kernel: the magnetic field Hz of a
 * 3-D FDTD step with an anisotropic perfectly matched layer): static sizes CZ/CYM/CXM, the
 * 3-D fields Ex/Ey/Hz/Bza, the boundary planes Ry/Ax, the per-line scratch clf/tmp and six
 * 1-D coefficient arrays.  Each (iz, iy) line is independent; along the line clf[iz][iy] and
 * tmp[iz][iy] are rewritten per ix, so ix stays sequential.  The OpenACC version: one data
 * region, a collapsed parallel loop over the (iz, iy) lines with the ix sweep loop seq
 * inside, then a parallel loop over iz for the iy = CYM boundary lines.  A CPU reference on
 * copies of Hz/Bza in the same file is compared by percentDiff. */
#include <math.h>
#include <stdio.h>
#include "polybench_lite.h"
#define CZ 32
#define CYM 32
#define CXM 32
#define DATA_TYPE double
#define _PB_CZ POLYBENCH_LOOP_BOUND(CZ, cz)
#define _PB_CYM POLYBENCH_LOOP_BOUND(CYM, cym)
#define _PB_CXM POLYBENCH_LOOP_BOUND(CXM, cxm)
#define PERCENT_DIFF_ERROR_THRESHOLD 0.05

static double percentDiff(double val1, double val2)
{
    if (fabs(val1) < 0.01 && fabs(val2) < 0.01)
        return 0.0;
    return 100.0 * fabs(fabs(val1 - val2) / fabs(val1 + 0.00000001));
}

static void init_array(int cz, int cxm, int cym, DATA_TYPE *mui, DATA_TYPE *ch,
                       DATA_TYPE POLYBENCH_2D(Ax, CZ + 1, CYM + 1, cz + 1, cym + 1),
                       DATA_TYPE POLYBENCH_2D(Ry, CZ + 1, CYM + 1, cz + 1, cym + 1),
                       DATA_TYPE POLYBENCH_3D(Ex, CZ + 1, CYM + 1, CXM + 1, cz + 1, cym + 1, cxm + 1),
                       DATA_TYPE POLYBENCH_3D(Ey, CZ + 1, CYM + 1, CXM + 1, cz + 1, cym + 1, cxm + 1),
                       DATA_TYPE POLYBENCH_3D(Hz, CZ + 1, CYM + 1, CXM + 1, cz + 1, cym + 1, cxm + 1),
                       DATA_TYPE POLYBENCH_3D(Bza, CZ + 1, CYM + 1, CXM + 1, cz + 1, cym + 1, cxm + 1),
                       DATA_TYPE POLYBENCH_1D(czm, CZ + 1, cz + 1), DATA_TYPE POLYBENCH_1D(czp, CZ + 1, cz + 1),
                       DATA_TYPE POLYBENCH_1D(cxmh, CXM + 1, cxm + 1), DATA_TYPE POLYBENCH_1D(cxph, CXM + 1, cxm + 1),
                       DATA_TYPE POLYBENCH_1D(cymh, CYM + 1, cym + 1), DATA_TYPE POLYBENCH_1D(cyph, CYM + 1, cym + 1))
{
    int i, j, k;
    *mui = 2341;
    *ch = 42;
    for (i = 0; i <= cz; i++) {
        czm[i] = ((DATA_TYPE)i + 1) / cxm;
        czp[i] = ((DATA_TYPE)i + 2) / cxm;
    }
    for (i = 0; i <= cxm; i++) {
        cxmh[i] = ((DATA_TYPE)i + 3) / cxm;
        cxph[i] = ((DATA_TYPE)i + 4) / cxm;
    }
    for (i = 0; i <= cym; i++) {
        cymh[i] = ((DATA_TYPE)i + 5) / cxm;
        cyph[i] = ((DATA_TYPE)i + 6) / cxm;
    }
    for (i = 0; i <= cz; i++)
        for (j = 0; j <= cym; j++) {
            Ry[i][j] = ((DATA_TYPE)i * (j + 1) + 10) / cym;
            Ax[i][j] = ((DATA_TYPE)i * (j + 2) + 11) / cym;
            for (k = 0; k <= cxm; k++) {
                Ex[i][j][k] = ((DATA_TYPE)i * (j + 3) + k + 1) / cxm;
                Ey[i][j][k] = ((DATA_TYPE)i * (j + 4) + k + 2) / cym;
                Hz[i][j][k] = ((DATA_TYPE)i * (j + 5) + k + 3) / cz;
                Bza[i][j][k] = ((DATA_TYPE)(i % 5) * (j + 6) + k % 7 + 4) / cz;
            }
        }
}

static void fdtd_apml_cpu(int cz, int cxm, int cym, DATA_TYPE mui, DATA_TYPE ch,
                          DATA_TYPE POLYBENCH_2D(Ax, CZ + 1, CYM + 1, cz + 1, cym + 1),
                          DATA_TYPE POLYBENCH_2D(Ry, CZ + 1, CYM + 1, cz + 1, cym + 1),
                          DATA_TYPE POLYBENCH_2D(clf, CZ + 1, CYM + 1, cz + 1, cym + 1),
                          DATA_TYPE POLYBENCH_2D(tmp, CZ + 1, CYM + 1, cz + 1, cym + 1),
                          DATA_TYPE POLYBENCH_3D(Bza, CZ + 1, CYM + 1, CXM + 1, cz + 1, cym + 1, cxm + 1),
                          DATA_TYPE POLYBENCH_3D(Ex, CZ + 1, CYM + 1, CXM + 1, cz + 1, cym + 1, cxm + 1),
                          DATA_TYPE POLYBENCH_3D(Ey, CZ + 1, CYM + 1, CXM + 1, cz + 1, cym + 1, cxm + 1),
                          DATA_TYPE POLYBENCH_3D(Hz, CZ + 1, CYM + 1, CXM + 1, cz + 1, cym + 1, cxm + 1),
                          DATA_TYPE POLYBENCH_1D(czm, CZ + 1, cz + 1), DATA_TYPE POLYBENCH_1D(czp, CZ + 1, cz + 1),
                          DATA_TYPE POLYBENCH_1D(cxmh, CXM + 1, cxm + 1), DATA_TYPE POLYBENCH_1D(cxph, CXM + 1, cxm + 1),
                          DATA_TYPE POLYBENCH_1D(cymh, CYM + 1, cym + 1), DATA_TYPE POLYBENCH_1D(cyph, CYM + 1, cym + 1))
{
    int iz, iy, ix;
    for (iz = 0; iz < _PB_CZ; iz++) {
        for (iy = 0; iy < _PB_CYM; iy++) {
            for (ix = 0; ix < _PB_CXM; ix++) {
                clf[iz][iy] = Ex[iz][iy][ix] - Ex[iz][iy + 1][ix] + Ey[iz][iy][ix + 1] - Ey[iz][iy][ix];
                tmp[iz][iy] = (cymh[iy] / cyph[iy]) * Bza[iz][iy][ix] - (ch / cyph[iy]) * clf[iz][iy];
                Hz[iz][iy][ix] = (cxmh[ix] / cxph[ix]) * Hz[iz][iy][ix]
                                 + (mui * czp[iz] / cxph[ix]) * tmp[iz][iy]
                                 - (mui * czm[iz] / cxph[ix]) * Bza[iz][iy][ix];
                Bza[iz][iy][ix] = tmp[iz][iy];
            }
            clf[iz][iy] = Ex[iz][iy][_PB_CXM] - Ex[iz][iy + 1][_PB_CXM] + Ry[iz][iy] - Ey[iz][iy][_PB_CXM];
            tmp[iz][iy] = (cymh[iy] / cyph[iy]) * Bza[iz][iy][_PB_CXM] - (ch / cyph[iy]) * clf[iz][iy];
            Hz[iz][iy][_PB_CXM] = (cxmh[_PB_CXM] / cxph[_PB_CXM]) * Hz[iz][iy][_PB_CXM]
                                  + (mui * czp[iz] / cxph[_PB_CXM]) * tmp[iz][iy]
                                  - (mui * czm[iz] / cxph[_PB_CXM]) * Bza[iz][iy][_PB_CXM];
            Bza[iz][iy][_PB_CXM] = tmp[iz][iy];
        }
        for (ix = 0; ix < _PB_CXM; ix++) {
            clf[iz][_PB_CYM] = Ex[iz][_PB_CYM][ix] - Ax[iz][ix] + Ey[iz][_PB_CYM][ix + 1] - Ey[iz][_PB_CYM][ix];
            tmp[iz][_PB_CYM] = (cymh[_PB_CYM] / cyph[_PB_CYM]) * Bza[iz][_PB_CYM][ix] - (ch / cyph[_PB_CYM]) * clf[iz][_PB_CYM];
            Hz[iz][_PB_CYM][ix] = (cxmh[ix] / cxph[ix]) * Hz[iz][_PB_CYM][ix]
                                  + (mui * czp[iz] / cxph[ix]) * tmp[iz][_PB_CYM]
                                  - (mui * czm[iz] / cxph[ix]) * Bza[iz][_PB_CYM][ix];
            Bza[iz][_PB_CYM][ix] = tmp[iz][_PB_CYM];
        }
        clf[iz][_PB_CYM] = Ex[iz][_PB_CYM][_PB_CXM] - Ax[iz][_PB_CXM] + Ry[iz][_PB_CYM] - Ey[iz][_PB_CYM][_PB_CXM];
        tmp[iz][_PB_CYM] = (cymh[_PB_CYM] / cyph[_PB_CYM]) * Bza[iz][_PB_CYM][_PB_CXM] - (ch / cyph[_PB_CYM]) * clf[iz][_PB_CYM];
        Hz[iz][_PB_CYM][_PB_CXM] = (cxmh[_PB_CXM] / cxph[_PB_CXM]) * Hz[iz][_PB_CYM][_PB_CXM]
                                   + (mui * czp[iz] / cxph[_PB_CXM]) * tmp[iz][_PB_CYM]
                                   - (mui * czm[iz] / cxph[_PB_CXM]) * Bza[iz][_PB_CYM][_PB_CXM];
        Bza[iz][_PB_CYM][_PB_CXM] = tmp[iz][_PB_CYM];
    }
}

static void kernel_fdtd_apml(int cz, int cxm, int cym, DATA_TYPE mui, DATA_TYPE ch,
                             DATA_TYPE POLYBENCH_2D(Ax, CZ + 1, CYM + 1, cz + 1, cym + 1),
                             DATA_TYPE POLYBENCH_2D(Ry, CZ + 1, CYM + 1, cz + 1, cym + 1),
                             DATA_TYPE POLYBENCH_2D(clf, CZ + 1, CYM + 1, cz + 1, cym + 1),
                             DATA_TYPE POLYBENCH_2D(tmp, CZ + 1, CYM + 1, cz + 1, cym + 1),
                             DATA_TYPE POLYBENCH_3D(Bza, CZ + 1, CYM + 1, CXM + 1, cz + 1, cym + 1, cxm + 1),
                             DATA_TYPE POLYBENCH_3D(Ex, CZ + 1, CYM + 1, CXM + 1, cz + 1, cym + 1, cxm + 1),
                             DATA_TYPE POLYBENCH_3D(Ey, CZ + 1, CYM + 1, CXM + 1, cz + 1, cym + 1, cxm + 1),
                             DATA_TYPE POLYBENCH_3D(Hz, CZ + 1, CYM + 1, CXM + 1, cz + 1, cym + 1, cxm + 1),
                             DATA_TYPE POLYBENCH_1D(czm, CZ + 1, cz + 1), DATA_TYPE POLYBENCH_1D(czp, CZ + 1, cz + 1),
                             DATA_TYPE POLYBENCH_1D(cxmh, CXM + 1, cxm + 1), DATA_TYPE POLYBENCH_1D(cxph, CXM + 1, cxm + 1),
                             DATA_TYPE POLYBENCH_1D(cymh, CYM + 1, cym + 1), DATA_TYPE POLYBENCH_1D(cyph, CYM + 1, cym + 1))
{
    int iz, iy, ix;
#pragma scop
    #pragma acc data copyin(Ax[0:CZ+1][0:CYM+1], Ry[0:CZ+1][0:CYM+1], Ex[0:CZ+1][0:CYM+1][0:CXM+1], \
                            Ey[0:CZ+1][0:CYM+1][0:CXM+1], czm[0:CZ+1], czp[0:CZ+1], cxmh[0:CXM+1], \
                            cxph[0:CXM+1], cymh[0:CYM+1], cyph[0:CYM+1]) \
                     copy(Hz[0:CZ+1][0:CYM+1][0:CXM+1], Bza[0:CZ+1][0:CYM+1][0:CXM+1]) \
                     create(clf[0:CZ+1][0:CYM+1], tmp[0:CZ+1][0:CYM+1])
    {
    #pragma acc parallel loop collapse(2)
    for (iz = 0; iz < _PB_CZ; iz++) {
        for (iy = 0; iy < _PB_CYM; iy++) {
            #pragma acc loop seq
            for (ix = 0; ix < _PB_CXM; ix++) {
                clf[iz][iy] = Ex[iz][iy][ix] - Ex[iz][iy + 1][ix] + Ey[iz][iy][ix + 1] - Ey[iz][iy][ix];
                tmp[iz][iy] = (cymh[iy] / cyph[iy]) * Bza[iz][iy][ix] - (ch / cyph[iy]) * clf[iz][iy];
                Hz[iz][iy][ix] = (cxmh[ix] / cxph[ix]) * Hz[iz][iy][ix]
                                    + (mui * czp[iz] / cxph[ix]) * tmp[iz][iy]
                                    - (mui * czm[iz] / cxph[ix]) * Bza[iz][iy][ix];
                Bza[iz][iy][ix] = tmp[iz][iy];
            }
            clf[iz][iy] = Ex[iz][iy][_PB_CXM] - Ex[iz][iy + 1][_PB_CXM] + Ry[iz][iy] - Ey[iz][iy][_PB_CXM];
            tmp[iz][iy] = (cymh[iy] / cyph[iy]) * Bza[iz][iy][_PB_CXM] - (ch / cyph[iy]) * clf[iz][iy];
            Hz[iz][iy][_PB_CXM] = (cxmh[_PB_CXM] / cxph[_PB_CXM]) * Hz[iz][iy][_PB_CXM]
                                     + (mui * czp[iz] / cxph[_PB_CXM]) * tmp[iz][iy]
                                     - (mui * czm[iz] / cxph[_PB_CXM]) * Bza[iz][iy][_PB_CXM];
            Bza[iz][iy][_PB_CXM] = tmp[iz][iy];
        }
    }
    #pragma acc parallel loop
    for (iz = 0; iz < _PB_CZ; iz++) {
        #pragma acc loop seq
        for (ix = 0; ix < _PB_CXM; ix++) {
            clf[iz][_PB_CYM] = Ex[iz][_PB_CYM][ix] - Ax[iz][ix] + Ey[iz][_PB_CYM][ix + 1] - Ey[iz][_PB_CYM][ix];
            tmp[iz][_PB_CYM] = (cymh[_PB_CYM] / cyph[_PB_CYM]) * Bza[iz][_PB_CYM][ix] - (ch / cyph[_PB_CYM]) * clf[iz][_PB_CYM];
            Hz[iz][_PB_CYM][ix] = (cxmh[ix] / cxph[ix]) * Hz[iz][_PB_CYM][ix]
                                     + (mui * czp[iz] / cxph[ix]) * tmp[iz][_PB_CYM]
                                     - (mui * czm[iz] / cxph[ix]) * Bza[iz][_PB_CYM][ix];
            Bza[iz][_PB_CYM][ix] = tmp[iz][_PB_CYM];
        }
        clf[iz][_PB_CYM] = Ex[iz][_PB_CYM][_PB_CXM] - Ax[iz][_PB_CXM] + Ry[iz][_PB_CYM] - Ey[iz][_PB_CYM][_PB_CXM];
        tmp[iz][_PB_CYM] = (cymh[_PB_CYM] / cyph[_PB_CYM]) * Bza[iz][_PB_CYM][_PB_CXM] - (ch / cyph[_PB_CYM]) * clf[iz][_PB_CYM];
        Hz[iz][_PB_CYM][_PB_CXM] = (cxmh[_PB_CXM] / cxph[_PB_CXM]) * Hz[iz][_PB_CYM][_PB_CXM]
                                      + (mui * czp[iz] / cxph[_PB_CXM]) * tmp[iz][_PB_CYM]
                                      - (mui * czm[iz] / cxph[_PB_CXM]) * Bza[iz][_PB_CYM][_PB_CXM];
        Bza[iz][_PB_CYM][_PB_CXM] = tmp[iz][_PB_CYM];
    }
    }
#pragma endscop
}

#define ARGS(v) POLYBENCH_ARRAY(v)
int main(int argc, char **argv)
{
    int cz = CZ, cym = CYM, cxm = CXM;
    DATA_TYPE mui, ch;
    POLYBENCH_2D_ARRAY_DECL(Ax, DATA_TYPE, CZ + 1, CYM + 1, cz + 1, cym + 1);
    POLYBENCH_2D_ARRAY_DECL(Ry, DATA_TYPE, CZ + 1, CYM + 1, cz + 1, cym + 1);
    POLYBENCH_2D_ARRAY_DECL(clf, DATA_TYPE, CZ + 1, CYM + 1, cz + 1, cym + 1);
    POLYBENCH_2D_ARRAY_DECL(tmp, DATA_TYPE, CZ + 1, CYM + 1, cz + 1, cym + 1);
    POLYBENCH_3D_ARRAY_DECL(Ex, DATA_TYPE, CZ + 1, CYM + 1, CXM + 1, cz + 1, cym + 1, cxm + 1);
    POLYBENCH_3D_ARRAY_DECL(Ey, DATA_TYPE, CZ + 1, CYM + 1, CXM + 1, cz + 1, cym + 1, cxm + 1);
    POLYBENCH_3D_ARRAY_DECL(Hz, DATA_TYPE, CZ + 1, CYM + 1, CXM + 1, cz + 1, cym + 1, cxm + 1);
    POLYBENCH_3D_ARRAY_DECL(Bza, DATA_TYPE, CZ + 1, CYM + 1, CXM + 1, cz + 1, cym + 1, cxm + 1);
    POLYBENCH_3D_ARRAY_DECL(Hz_ref, DATA_TYPE, CZ + 1, CYM + 1, CXM + 1, cz + 1, cym + 1, cxm + 1);
    POLYBENCH_3D_ARRAY_DECL(Bza_ref, DATA_TYPE, CZ + 1, CYM + 1, CXM + 1, cz + 1, cym + 1, cxm + 1);
    POLYBENCH_1D_ARRAY_DECL(czm, DATA_TYPE, CZ + 1, cz + 1);
    POLYBENCH_1D_ARRAY_DECL(czp, DATA_TYPE, CZ + 1, cz + 1);
    POLYBENCH_1D_ARRAY_DECL(cxmh, DATA_TYPE, CXM + 1, cxm + 1);
    POLYBENCH_1D_ARRAY_DECL(cxph, DATA_TYPE, CXM + 1, cxm + 1);
    POLYBENCH_1D_ARRAY_DECL(cymh, DATA_TYPE, CYM + 1, cym + 1);
    POLYBENCH_1D_ARRAY_DECL(cyph, DATA_TYPE, CYM + 1, cym + 1);
    init_array(cz, cxm, cym, &mui, &ch, ARGS(Ax), ARGS(Ry), ARGS(Ex), ARGS(Ey), ARGS(Hz),
               ARGS(Bza), ARGS(czm), ARGS(czp), ARGS(cxmh), ARGS(cxph), ARGS(cymh), ARGS(cyph));
    int i, j, k, fail = 0;
    for (i = 0; i <= cz; i++)
        for (j = 0; j <= cym; j++)
            for (k = 0; k <= cxm; k++) {
                (*Hz_ref)[i][j][k] = (*Hz)[i][j][k];
                (*Bza_ref)[i][j][k] = (*Bza)[i][j][k];
            }
    kernel_fdtd_apml(cz, cxm, cym, mui, ch, ARGS(Ax), ARGS(Ry), ARGS(clf), ARGS(tmp), ARGS(Bza),
                     ARGS(Ex), ARGS(Ey), ARGS(Hz), ARGS(czm), ARGS(czp), ARGS(cxmh), ARGS(cxph),
                     ARGS(cymh), ARGS(cyph));
    fdtd_apml_cpu(cz, cxm, cym, mui, ch, ARGS(Ax), ARGS(Ry), ARGS(clf), ARGS(tmp), ARGS(Bza_ref),
                  ARGS(Ex), ARGS(Ey), ARGS(Hz_ref), ARGS(czm), ARGS(czp), ARGS(cxmh), ARGS(cxph),
                  ARGS(cymh), ARGS(cyph));
    double sum = 0.0;
    for (i = 0; i <= cz; i++)
        for (j = 0; j <= cym; j++)
            for (k = 0; k <= cxm; k++) {
                sum += (*Hz)[i][j][k];
                if (percentDiff((*Hz_ref)[i][j][k], (*Hz)[i][j][k]) > PERCENT_DIFF_ERROR_THRESHOLD)
                    fail++;
                if (percentDiff((*Bza_ref)[i][j][k], (*Bza)[i][j][k]) > PERCENT_DIFF_ERROR_THRESHOLD)
                    fail++;
            }
    printf("checksum %.6f fail %d\n", sum, fail);
    if (fail == 0)
        printf("VERIFIED\n");
    POLYBENCH_FREE_ARRAY(Ax);
    POLYBENCH_FREE_ARRAY(Ry);
    POLYBENCH_FREE_ARRAY(clf);
    POLYBENCH_FREE_ARRAY(tmp);
    POLYBENCH_FREE_ARRAY(Ex);
    POLYBENCH_FREE_ARRAY(Ey);
    POLYBENCH_FREE_ARRAY(Hz);
    POLYBENCH_FREE_ARRAY(Bza);
    POLYBENCH_FREE_ARRAY(Hz_ref);
    POLYBENCH_FREE_ARRAY(Bza_ref);
    POLYBENCH_FREE_ARRAY(czm);
    POLYBENCH_FREE_ARRAY(czp);
    POLYBENCH_FREE_ARRAY(cxmh);
    POLYBENCH_FREE_ARRAY(cxph);
    POLYBENCH_FREE_ARRAY(cymh);
    POLYBENCH_FREE_ARRAY(cyph);
    return fail != 0;
}
