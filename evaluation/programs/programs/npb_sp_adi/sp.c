/* ADI time stepping in the NPB SP/BT shape: file-scope static 3-D fields, an adi() step that
 * calls compute_rhs, x_solve, y_solve, z_solve and add.  Each solve is a tridiagonal (Thomas)
 * solve along one grid line, sequential along the line and parallel over the other two
 * dimensions, with per-line scratch: lhs[N][3] declared inside the parallel body (x, z) or
 * at function scope and private (y); the diagonal depends on u.  The time-step loop in main
 * runs in one data region; every NPRINT steps the rhs norm is reduced on the device and
 * printed with a value of u read on the host after an update self. */
#include <math.h>
#include <stdio.h>
#include "sp.h"

static double u[NZ][NY][NX], rhs[NZ][NY][NX], forcing[NZ][NY][NX];

static void compute_rhs(void)
{
    int i, j, k;
    #pragma acc parallel loop collapse(3) present(u, rhs, forcing)
    for (k = 0; k < NZ; k++)
        for (j = 0; j < NY; j++)
            for (i = 0; i < NX; i++) {
                if (k == 0 || k == NZ - 1 || j == 0 || j == NY - 1 || i == 0 || i == NX - 1) {
                    rhs[k][j][i] = 0.0;
                    continue;
                }
                rhs[k][j][i] = DT * (forcing[k][j][i]
                    + u[k][j][i + 1] + u[k][j][i - 1] + u[k][j + 1][i] + u[k][j - 1][i]
                    + u[k + 1][j][i] + u[k - 1][j][i] - 6.0 * u[k][j][i]
                    - 0.1 * u[k][j][i] * u[k][j][i] * u[k][j][i]);
            }
}

static void x_solve(void)
{
    int j, k;
    #pragma acc parallel loop collapse(2) present(u, rhs)
    for (k = 1; k < NZ - 1; k++)
        for (j = 1; j < NY - 1; j++) {
            double lhs[NX][3];
            for (int i = 0; i < NX; i++) {
                lhs[i][0] = -R;
                lhs[i][1] = 1.0 + 2.0 * R + 0.01 * u[k][j][i] * u[k][j][i];
                lhs[i][2] = -R;
            }
            for (int i = 1; i < NX; i++) {
                double m = lhs[i][0] / lhs[i - 1][1];
                lhs[i][1] -= m * lhs[i - 1][2];
                rhs[k][j][i] -= m * rhs[k][j][i - 1];
            }
            rhs[k][j][NX - 1] /= lhs[NX - 1][1];
            for (int i = NX - 2; i >= 0; i--)
                rhs[k][j][i] = (rhs[k][j][i] - lhs[i][2] * rhs[k][j][i + 1]) / lhs[i][1];
        }
}

static void y_solve(void)
{
    int i, k;
    double lhs[NY][3];
    #pragma acc parallel loop collapse(2) present(u, rhs) private(lhs)
    for (k = 1; k < NZ - 1; k++)
        for (i = 1; i < NX - 1; i++) {
            for (int j = 0; j < NY; j++) {
                lhs[j][0] = -R;
                lhs[j][1] = 1.0 + 2.0 * R + 0.01 * u[k][j][i] * u[k][j][i];
                lhs[j][2] = -R;
            }
            for (int j = 1; j < NY; j++) {
                double m = lhs[j][0] / lhs[j - 1][1];
                lhs[j][1] -= m * lhs[j - 1][2];
                rhs[k][j][i] -= m * rhs[k][j - 1][i];
            }
            rhs[k][NY - 1][i] /= lhs[NY - 1][1];
            for (int j = NY - 2; j >= 0; j--)
                rhs[k][j][i] = (rhs[k][j][i] - lhs[j][2] * rhs[k][j + 1][i]) / lhs[j][1];
        }
}

static void z_solve(void)
{
    int i, j;
    #pragma acc parallel loop collapse(2) present(u, rhs)
    for (j = 1; j < NY - 1; j++)
        for (i = 1; i < NX - 1; i++) {
            double lhs[NZ][3];
            for (int k = 0; k < NZ; k++) {
                lhs[k][0] = -R;
                lhs[k][1] = 1.0 + 2.0 * R + 0.01 * u[k][j][i] * u[k][j][i];
                lhs[k][2] = -R;
            }
            for (int k = 1; k < NZ; k++) {
                double m = lhs[k][0] / lhs[k - 1][1];
                lhs[k][1] -= m * lhs[k - 1][2];
                rhs[k][j][i] -= m * rhs[k - 1][j][i];
            }
            rhs[NZ - 1][j][i] /= lhs[NZ - 1][1];
            for (int k = NZ - 2; k >= 0; k--)
                rhs[k][j][i] = (rhs[k][j][i] - lhs[k][2] * rhs[k + 1][j][i]) / lhs[k][1];
        }
}

static void add(void)
{
    int i, j, k;
    #pragma acc parallel loop collapse(3) present(u, rhs)
    for (k = 1; k < NZ - 1; k++)
        for (j = 1; j < NY - 1; j++)
            for (i = 1; i < NX - 1; i++)
                u[k][j][i] += rhs[k][j][i];
}

static void adi(void)
{
    compute_rhs();
    x_solve();
    y_solve();
    z_solve();
    add();
}

static double rhs_norm(void)
{
    double s = 0.0;
    int i, j, k;
    #pragma acc parallel loop collapse(3) reduction(+:s) present(rhs)
    for (k = 0; k < NZ; k++)
        for (j = 0; j < NY; j++)
            for (i = 0; i < NX; i++)
                s += rhs[k][j][i] * rhs[k][j][i];
    return sqrt(s / (NX * NY * NZ));
}

int main(void)
{
    double norms[NSTEPS / NPRINT];
    init_fields(u, forcing);
    #pragma acc data copy(u) copyin(forcing) create(rhs)
    {
        for (int step = 1; step <= NSTEPS; step++) {
            adi();
            if (step % NPRINT == 0) {
                double nm = rhs_norm();
                norms[step / NPRINT - 1] = nm;
                #pragma acc update self(u[NZ / 2:1])
                printf("step %3d  |rhs| %.10e  u(centre) %.10f\n", step, nm,
                       u[NZ / 2][NY / 2][NX / 2]);
            }
        }
    }
    int ok = check_sp(u, norms);
    printf(ok ? "VERIFIED\n" : "FAILED\n");
    return ok ? 0 : 1;
}
