#ifndef LBM_H
#define LBM_H
/* D2Q9 lattice, the nine distributions of a cell stored next to each other (cell-major) */
#define SIZE_X 64
#define SIZE_Y 32
#define N_CELL_ENTRIES 9
#define N_CELLS (SIZE_X * SIZE_Y)
#define GRID_SIZE (N_CELL_ENTRIES * N_CELLS)
#define CALC_INDEX(x, y, e) ((e) + N_CELL_ENTRIES * ((x) + (y) * SIZE_X))

#define FLUID 0
#define OBSTACLE 1
#define OMEGA 1.25

typedef double *LBM_Grid;

void LBM_initializeGrid(LBM_Grid grid);
void LBM_loadObstacles(int *flags);
void LBM_performStreamCollide(const double *restrict srcGrid, double *restrict dstGrid,
                              const int *restrict flags);
double LBM_computeMass(const double *grid);
void LBM_swapGrids(LBM_Grid *grid1, LBM_Grid *grid2);
int LBM_check(const double *result, const int *flags, int steps);
#endif
