/* Geometric multigrid for the 2-D Poisson equation -lap(u) = f on the unit square (zero
 * boundary values): V-cycles of red-black Gauss-Seidel smoothing, residual, full-weighting
 * restriction to the next coarser grid and bilinear prolongation of its correction.  The
 * hierarchy is a file-scope array of levels, each with its own grids of (n x n) points
 * allocated at setup and put on the device there (enter data), deleted at teardown (exit
 * data).  The V-cycle recursion runs on the host; every kernel finds its level's grids
 * present.  The host gets the residual norm of each cycle from a reduction and the finest
 * solution by an update at the end. */
#include <math.h>
#include <stdlib.h>

#define MG_MAX_LEVELS 12

struct mg_level {
    int n;         /* points per side, 2^k + 1 */
    double inv_h2; /* 1 / h^2 */
    double *u, *f, *r;
};

static struct mg_level level[MG_MAX_LEVELS];
static int num_levels;

void mg_setup(int finest_n, int levels)
{
    num_levels = levels;
    for (int l = 0; l < levels; l++) {
        int n = ((finest_n - 1) >> l) + 1;
        double h = 1.0 / (n - 1);
        double *u = calloc((size_t)n * n, sizeof *u);
        double *f = calloc((size_t)n * n, sizeof *f);
        double *r = calloc((size_t)n * n, sizeof *r);
        #pragma acc enter data copyin(u[0:n*n], f[0:n*n], r[0:n*n])
        level[l].n = n;
        level[l].inv_h2 = 1.0 / (h * h);
        level[l].u = u;
        level[l].f = f;
        level[l].r = r;
    }
}

void mg_set_rhs(const double *rhs)
{
    int n = level[0].n;
    double *f = level[0].f;
    for (int i = 0; i < n * n; i++)
        f[i] = rhs[i];
    #pragma acc update device(f[0:n*n])
}

static void smooth(int l, int sweeps)
{
    int n = level[l].n;
    double *u = level[l].u, *f = level[l].f, h2 = 1.0 / level[l].inv_h2;
    for (int s = 0; s < sweeps; s++)
        for (int color = 0; color < 2; color++) {
            #pragma acc parallel loop gang present(u[0:n*n], f[0:n*n])
            for (int i = 1; i < n - 1; i++) {
                #pragma acc loop vector
                for (int j = 1 + (i + color) % 2; j < n - 1; j += 2)
                    u[i * n + j] = 0.25 * (h2 * f[i * n + j] + u[(i - 1) * n + j]
                                           + u[(i + 1) * n + j] + u[i * n + j - 1]
                                           + u[i * n + j + 1]);
            }
        }
}

static void residual(int l)
{
    int n = level[l].n;
    double *u = level[l].u, *f = level[l].f, *r = level[l].r, c = level[l].inv_h2;
    #pragma acc parallel loop collapse(2) present(u[0:n*n], f[0:n*n], r[0:n*n])
    for (int i = 1; i < n - 1; i++)
        for (int j = 1; j < n - 1; j++)
            r[i * n + j] = f[i * n + j] - c * (4.0 * u[i * n + j] - u[(i - 1) * n + j]
                                               - u[(i + 1) * n + j] - u[i * n + j - 1]
                                               - u[i * n + j + 1]);
}

static double residual_norm(int l)
{
    int n = level[l].n;
    double *r = level[l].r, sum = 0.0;
    #pragma acc parallel loop collapse(2) reduction(+:sum) present(r[0:n*n])
    for (int i = 1; i < n - 1; i++)
        for (int j = 1; j < n - 1; j++)
            sum += r[i * n + j] * r[i * n + j];
    return sqrt(sum / ((double)(n - 2) * (n - 2)));
}

/* coarse f = full weighting of the fine residual; coarse u = 0 */
static void restrict_residual(int l)
{
    int nf = level[l].n, nc = level[l + 1].n;
    double *rf = level[l].r, *fc = level[l + 1].f, *uc = level[l + 1].u;
    #pragma acc parallel loop collapse(2) present(rf[0:nf*nf], fc[0:nc*nc], uc[0:nc*nc])
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            uc[i * nc + j] = 0.0;
            if (i == 0 || j == 0 || i == nc - 1 || j == nc - 1) {
                fc[i * nc + j] = 0.0;
            } else {
                int fi = 2 * i, fj = 2 * j;
                fc[i * nc + j] = 0.25 * rf[fi * nf + fj]
                    + 0.125 * (rf[(fi - 1) * nf + fj] + rf[(fi + 1) * nf + fj]
                               + rf[fi * nf + fj - 1] + rf[fi * nf + fj + 1])
                    + 0.0625 * (rf[(fi - 1) * nf + fj - 1] + rf[(fi - 1) * nf + fj + 1]
                                + rf[(fi + 1) * nf + fj - 1] + rf[(fi + 1) * nf + fj + 1]);
            }
        }
}

/* fine u += bilinear interpolation of the coarse u */
static void prolong_correct(int l)
{
    int nf = level[l].n, nc = level[l + 1].n;
    double *uf = level[l].u, *uc = level[l + 1].u;
    #pragma acc parallel loop collapse(2) present(uf[0:nf*nf], uc[0:nc*nc])
    for (int i = 1; i < nf - 1; i++)
        for (int j = 1; j < nf - 1; j++) {
            int ci = i / 2, cj = j / 2;
            double v;
            if (i % 2 == 0 && j % 2 == 0)
                v = uc[ci * nc + cj];
            else if (i % 2 == 0)
                v = 0.5 * (uc[ci * nc + cj] + uc[ci * nc + cj + 1]);
            else if (j % 2 == 0)
                v = 0.5 * (uc[ci * nc + cj] + uc[(ci + 1) * nc + cj]);
            else
                v = 0.25 * (uc[ci * nc + cj] + uc[ci * nc + cj + 1] + uc[(ci + 1) * nc + cj]
                            + uc[(ci + 1) * nc + cj + 1]);
            uf[i * nf + j] += v;
        }
}

static void vcycle(int l, int pre, int post)
{
    if (l == num_levels - 1) {
        smooth(l, 30);
        return;
    }
    smooth(l, pre);
    residual(l);
    restrict_residual(l);
    vcycle(l + 1, pre, post);
    prolong_correct(l);
    smooth(l, post);
}

/* Runs `cycles` V-cycles; history[c] = the residual norm after cycle c.  Stops early when it
 * falls below tol; returns the number of cycles run. */
int mg_solve(int cycles, double tol, double *history)
{
    int c = 0;
    while (c < cycles) {
        vcycle(0, 2, 2);
        residual(0);
        history[c] = residual_norm(0);
        c++;
        if (history[c - 1] < tol)
            break;
    }
    return c;
}

void mg_get_solution(double *out)
{
    int n = level[0].n;
    double *u = level[0].u;
    #pragma acc update self(u[0:n*n])
    for (int i = 0; i < n * n; i++)
        out[i] = u[i];
}

void mg_teardown(void)
{
    for (int l = 0; l < num_levels; l++) {
        int n = level[l].n;
        double *u = level[l].u, *f = level[l].f, *r = level[l].r;
        #pragma acc exit data delete(u[0:n*n], f[0:n*n], r[0:n*n])
        free(u);
        free(f);
        free(r);
    }
    num_levels = 0;
}
