/* Lattice Boltzmann, D2Q9 BGK (SPEC ACCEL / Parboil lbm kind, two dimensions): every cell
 * reads its nine distributions from the source grid, relaxes them towards equilibrium and
 * pushes them to its neighbours in the destination grid (periodic wrap); obstacle cells
 * bounce every distribution back where it came from.  The grids stay on the device (mapped
 * in main); the lattice tables are file-scope constants mirrored on the device. */
#include "lbm.h"

static const int ex[N_CELL_ENTRIES] = {0, 1, 0, -1, 0, 1, -1, -1, 1};
static const int ey[N_CELL_ENTRIES] = {0, 0, 1, 0, -1, 1, 1, -1, -1};
static const int opp[N_CELL_ENTRIES] = {0, 3, 4, 1, 2, 7, 8, 5, 6};
static const double wt[N_CELL_ENTRIES] = {4.0 / 9.0, 1.0 / 9.0, 1.0 / 9.0, 1.0 / 9.0,
                                          1.0 / 9.0, 1.0 / 36.0, 1.0 / 36.0, 1.0 / 36.0,
                                          1.0 / 36.0};
#pragma acc declare copyin(ex, ey, opp, wt)

void LBM_initializeGrid(LBM_Grid grid)
{
    for (int y = 0; y < SIZE_Y; y++)
        for (int x = 0; x < SIZE_X; x++) {
            double rho = 1.0 + 0.01 * ((x * 7 + y * 3) % 5);
            double ux = 0.04, uy = 0.01 * ((y % 3) - 1);
            double u2 = 1.5 * (ux * ux + uy * uy);
            for (int e = 0; e < N_CELL_ENTRIES; e++) {
                double eu = 3.0 * (ex[e] * ux + ey[e] * uy);
                grid[CALC_INDEX(x, y, e)] = wt[e] * rho * (1.0 + eu + 0.5 * eu * eu - u2);
            }
        }
}

void LBM_loadObstacles(int *flags)
{
    for (int y = 0; y < SIZE_Y; y++)
        for (int x = 0; x < SIZE_X; x++) {
            int dx = x - SIZE_X / 4, dy = y - SIZE_Y / 2;
            flags[x + y * SIZE_X] = (y == 0 || y == SIZE_Y - 1 || dx * dx + dy * dy <= 16)
                                        ? OBSTACLE : FLUID;
        }
}

void LBM_performStreamCollide(const double *restrict srcGrid, double *restrict dstGrid,
                              const int *restrict flags)
{
    #pragma acc parallel loop collapse(2) present(srcGrid[0:GRID_SIZE], dstGrid[0:GRID_SIZE], \
        flags[0:N_CELLS])
    for (int y = 0; y < SIZE_Y; y++) {
        for (int x = 0; x < SIZE_X; x++) {
            double f[N_CELL_ENTRIES];
            for (int e = 0; e < N_CELL_ENTRIES; e++)
                f[e] = srcGrid[CALC_INDEX(x, y, e)];
            if (flags[x + y * SIZE_X] == OBSTACLE) {
                for (int e = 0; e < N_CELL_ENTRIES; e++) {
                    int o = opp[e];
                    int nx = (x + ex[o] + SIZE_X) % SIZE_X, ny = (y + ey[o] + SIZE_Y) % SIZE_Y;
                    dstGrid[CALC_INDEX(nx, ny, o)] = f[e];
                }
                continue;
            }
            double rho = 0.0, ux = 0.0, uy = 0.0;
            for (int e = 0; e < N_CELL_ENTRIES; e++) {
                rho += f[e];
                ux += ex[e] * f[e];
                uy += ey[e] * f[e];
            }
            ux /= rho;
            uy /= rho;
            double u2 = 1.5 * (ux * ux + uy * uy);
            for (int e = 0; e < N_CELL_ENTRIES; e++) {
                double eu = 3.0 * (ex[e] * ux + ey[e] * uy);
                double feq = wt[e] * rho * (1.0 + eu + 0.5 * eu * eu - u2);
                int nx = (x + ex[e] + SIZE_X) % SIZE_X, ny = (y + ey[e] + SIZE_Y) % SIZE_Y;
                dstGrid[CALC_INDEX(nx, ny, e)] = (1.0 - OMEGA) * f[e] + OMEGA * feq;
            }
        }
    }
}

double LBM_computeMass(const double *grid)
{
    double mass = 0.0;
    #pragma acc parallel loop reduction(+:mass) present(grid[0:GRID_SIZE])
    for (int i = 0; i < GRID_SIZE; i++)
        mass += grid[i];
    return mass;
}

void LBM_swapGrids(LBM_Grid *grid1, LBM_Grid *grid2)
{
    LBM_Grid aux = *grid1;
    *grid1 = *grid2;
    *grid2 = aux;
}
