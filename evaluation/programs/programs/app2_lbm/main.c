/* lbm driver: allocate the two grids and the obstacle flags, map them for the whole run,
 * step with a pointer swap, check mass conservation and the final grid. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "lbm.h"

int main(int argc, char **argv)
{
    int nTimeSteps = argc > 1 ? atoi(argv[1]) : 60;
    LBM_Grid srcGrid = (LBM_Grid)malloc(GRID_SIZE * sizeof(double));
    LBM_Grid dstGrid = (LBM_Grid)malloc(GRID_SIZE * sizeof(double));
    int *flags = (int *)malloc(N_CELLS * sizeof(int));
    LBM_initializeGrid(srcGrid);
    LBM_initializeGrid(dstGrid);
    LBM_loadObstacles(flags);

    double mass0, mass1;
    #pragma acc data copy(srcGrid[0:GRID_SIZE], dstGrid[0:GRID_SIZE]) copyin(flags[0:N_CELLS])
    {
        mass0 = LBM_computeMass(srcGrid);
        for (int t = 1; t <= nTimeSteps; t++) {
            LBM_performStreamCollide(srcGrid, dstGrid, flags);
            LBM_swapGrids(&srcGrid, &dstGrid);
        }
        mass1 = LBM_computeMass(srcGrid);
    }
    printf("mass %.12f -> %.12f\n", mass0, mass1);
    int bad = fabs(mass1 - mass0) > 1e-9 * mass0;
    bad += LBM_check(srcGrid, flags, nTimeSteps);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    free(srcGrid);
    free(dstGrid);
    free(flags);
    return 0;
}
