#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void mg_setup(int finest_n, int levels);
void mg_set_rhs(const double *rhs);
int mg_solve(int cycles, double tol, double *history);
void mg_get_solution(double *out);
void mg_teardown(void);

/* serial reference hierarchy */
#define L 6
static int rn[L];
static double *ru[L], *rf[L], *rr[L], rc[L];

static void rsmooth(int l, int sweeps)
{
    int n = rn[l];
    double *u = ru[l], *f = rf[l], h2 = 1.0 / rc[l];
    for (int s = 0; s < sweeps; s++)
        for (int color = 0; color < 2; color++)
            for (int i = 1; i < n - 1; i++)
                for (int j = 1 + (i + color) % 2; j < n - 1; j += 2)
                    u[i * n + j] = 0.25 * (h2 * f[i * n + j] + u[(i - 1) * n + j]
                                           + u[(i + 1) * n + j] + u[i * n + j - 1]
                                           + u[i * n + j + 1]);
}

static void rresid(int l)
{
    int n = rn[l];
    double *u = ru[l], *f = rf[l], *r = rr[l];
    for (int i = 1; i < n - 1; i++)
        for (int j = 1; j < n - 1; j++)
            r[i * n + j] = f[i * n + j] - rc[l] * (4.0 * u[i * n + j] - u[(i - 1) * n + j]
                                                   - u[(i + 1) * n + j] - u[i * n + j - 1]
                                                   - u[i * n + j + 1]);
}

static void rvcycle(int l)
{
    if (l == L - 1) { rsmooth(l, 30); return; }
    rsmooth(l, 2);
    rresid(l);
    int nf = rn[l], nc = rn[l + 1];
    double *r = rr[l], *fc = rf[l + 1], *uc = ru[l + 1], *uf = ru[l];
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            uc[i * nc + j] = 0.0;
            fc[i * nc + j] = 0.0;
            if (i > 0 && j > 0 && i < nc - 1 && j < nc - 1) {
                int a = 2 * i, b = 2 * j;
                fc[i * nc + j] = 0.25 * r[a * nf + b]
                    + 0.125 * (r[(a - 1) * nf + b] + r[(a + 1) * nf + b] + r[a * nf + b - 1]
                               + r[a * nf + b + 1])
                    + 0.0625 * (r[(a - 1) * nf + b - 1] + r[(a - 1) * nf + b + 1]
                                + r[(a + 1) * nf + b - 1] + r[(a + 1) * nf + b + 1]);
            }
        }
    rvcycle(l + 1);
    for (int i = 1; i < nf - 1; i++)
        for (int j = 1; j < nf - 1; j++) {
            int ci = i / 2, cj = j / 2;
            double v;
            if (i % 2 == 0 && j % 2 == 0) v = uc[ci * nc + cj];
            else if (i % 2 == 0) v = 0.5 * (uc[ci * nc + cj] + uc[ci * nc + cj + 1]);
            else if (j % 2 == 0) v = 0.5 * (uc[ci * nc + cj] + uc[(ci + 1) * nc + cj]);
            else v = 0.25 * (uc[ci * nc + cj] + uc[ci * nc + cj + 1] + uc[(ci + 1) * nc + cj]
                             + uc[(ci + 1) * nc + cj + 1]);
            uf[i * nf + j] += v;
        }
    rsmooth(l, 2);
}

int main(void)
{
    int n = 129, cycles = 8;
    double *rhs = malloc(n * n * sizeof *rhs), *sol = malloc(n * n * sizeof *sol);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double x = (double)i / (n - 1), y = (double)j / (n - 1);
            rhs[i * n + j] = 8.0 * x * (1.0 - x) + 3.0 * sin(3.0 * y) * (i % 3);
        }
    double hist[32];
    mg_setup(n, L);
    mg_set_rhs(rhs);
    int done = mg_solve(cycles, 1e-12, hist);
    mg_get_solution(sol);
    mg_teardown();
    /* serial reference */
    for (int l = 0; l < L; l++) {
        rn[l] = ((n - 1) >> l) + 1;
        double h = 1.0 / (rn[l] - 1);
        rc[l] = 1.0 / (h * h);
        ru[l] = calloc(rn[l] * rn[l], sizeof(double));
        rf[l] = calloc(rn[l] * rn[l], sizeof(double));
        rr[l] = calloc(rn[l] * rn[l], sizeof(double));
    }
    for (int i = 0; i < n * n; i++) rf[0][i] = rhs[i];
    int bad = 0, rdone = 0;
    for (int c = 0; c < cycles; c++) {
        rvcycle(0);
        rresid(0);
        double s = 0.0;
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++) s += rr[0][i * n + j] * rr[0][i * n + j];
        s = sqrt(s / ((double)(n - 2) * (n - 2)));
        bad += c < done && fabs(hist[c] - s) > 1e-8 * s + 1e-14;
        rdone++;
        if (s < 1e-12) break;
    }
    bad += done != rdone;
    for (int i = 0; i < n * n; i++) bad += fabs(sol[i] - ru[0][i]) > 1e-10 * (1.0 + fabs(ru[0][i]));
    printf("cycles %d (reference %d) residual %.3e -> %.3e\n", done, rdone, hist[0], hist[done - 1]);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
