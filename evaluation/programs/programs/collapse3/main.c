#include <math.h>
#include <stdio.h>
#define NX 96
#define NY 80
#define NZ 64

void weights(double g[NX][NY][NZ], double cx, double cy, double cz);
static double g[NX][NY][NZ];

int main(void)
{
    weights(g, 40.5, 33.0, 0.5);
    int bad = 0;
    for (int i = 0; i < NX; i++)
        for (int j = 0; j < NY; j++)
            for (int k = 0; k < NZ; k++) {
                double w = (1.0 - (i - 40.5) * (i - 40.5) / (NX * NX))
                           * (1.0 - (j - 33.0) * (j - 33.0) / (NY * NY)) * (k + 0.5);
                bad += fabs(w - g[i][j][k]) > 1e-12;
            }
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
