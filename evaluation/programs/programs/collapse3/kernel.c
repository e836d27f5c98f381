/* A perfect 3-D nest: trilinear weights over a grid, collapse(3). */
#define NX 96
#define NY 80
#define NZ 64

void weights(double g[NX][NY][NZ], double cx, double cy, double cz)
{
    #pragma acc parallel loop collapse(3) copyout(g[0:NX][0:NY][0:NZ])
    for (int i = 0; i < NX; i++)
        for (int j = 0; j < NY; j++)
            for (int k = 0; k < NZ; k++)
                g[i][j][k] = (1.0 - (i - cx) * (i - cx) / (NX * NX))
                             * (1.0 - (j - cy) * (j - cy) / (NY * NY)) * (k + cz);
}
