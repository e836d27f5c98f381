/* Independent reference: pull-style streaming (each cell gathers from its upstream
 * neighbours) on a [y][x][e] array, with the bounce-back applied on the gathered values. */
#include <math.h>
#include <stdlib.h>
#include "lbm.h"

int LBM_check(const double *result, const int *flags, int steps)
{
    static const int cx[9] = {0, 1, 0, -1, 0, 1, -1, -1, 1};
    static const int cy[9] = {0, 0, 1, 0, -1, 1, 1, -1, -1};
    static const int rev[9] = {0, 3, 4, 1, 2, 7, 8, 5, 6};
    static const double w[9] = {4.0 / 9.0, 1.0 / 9.0, 1.0 / 9.0, 1.0 / 9.0, 1.0 / 9.0,
                                1.0 / 36.0, 1.0 / 36.0, 1.0 / 36.0, 1.0 / 36.0};
    double (*a)[SIZE_X][9] = malloc(sizeof(double[SIZE_Y][SIZE_X][9]));
    double (*b)[SIZE_X][9] = malloc(sizeof(double[SIZE_Y][SIZE_X][9]));
    double (*post)[SIZE_X][9] = malloc(sizeof(double[SIZE_Y][SIZE_X][9]));
    LBM_initializeGrid(&a[0][0][0]);
    for (int t = 0; t < steps; t++) {
        /* post-collision values of every cell (obstacles: reversed) */
        for (int y = 0; y < SIZE_Y; y++)
            for (int x = 0; x < SIZE_X; x++) {
                double *f = a[y][x];
                if (flags[x + y * SIZE_X] == OBSTACLE) {
                    for (int e = 0; e < 9; e++) post[y][x][rev[e]] = f[e];
                    continue;
                }
                double rho = 0, ux = 0, uy = 0;
                for (int e = 0; e < 9; e++) { rho += f[e]; ux += cx[e] * f[e]; uy += cy[e] * f[e]; }
                ux /= rho;
                uy /= rho;
                double u2 = 1.5 * (ux * ux + uy * uy);
                for (int e = 0; e < 9; e++) {
                    double eu = 3.0 * (cx[e] * ux + cy[e] * uy);
                    post[y][x][e] = (1.0 - OMEGA) * f[e] + OMEGA * w[e] * rho * (1.0 + eu + 0.5 * eu * eu - u2);
                }
            }
        /* gather */
        for (int y = 0; y < SIZE_Y; y++)
            for (int x = 0; x < SIZE_X; x++)
                for (int e = 0; e < 9; e++) {
                    int sx = (x - cx[e] + SIZE_X) % SIZE_X, sy = (y - cy[e] + SIZE_Y) % SIZE_Y;
                    b[y][x][e] = post[sy][sx][e];
                }
        double (*tmp)[SIZE_X][9] = a;
        a = b;
        b = tmp;
    }
    int bad = 0;
    for (int y = 0; y < SIZE_Y; y++)
        for (int x = 0; x < SIZE_X; x++)
            for (int e = 0; e < 9; e++)
                bad += fabs(a[y][x][e] - result[CALC_INDEX(x, y, e)]) > 1e-10;
    free(a);
    free(b);
    free(post);
    return bad;
}
