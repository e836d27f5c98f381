/* miniWeather-shaped: global state pointers allocated in init(), a time loop in main, direction-
 * split Runge-Kutta stages whose calls pass the same buffer for two parameters, halo updates. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define NUM_VARS 2
#define HS 2
#define DIR_X 1
#define DIR_Z 2
#define IDX(ll, k, i) ((ll) * (nz + 2 * HS) * (nx + 2 * HS) + (k) * (nx + 2 * HS) + (i))

int nx, nz, nsteps;
double dx, dz, dt;
double *state, *state_tmp, *flux, *tend;

double reference_mass(int nx, int nz, int nsteps);

static void init(void)
{
    nx = 96;
    nz = 48;
    nsteps = 20;
    dx = 1.0 / nx;
    dz = 1.0 / nz;
    dt = 0.2 * dx;
    size_t cells = (size_t)(nx + 2 * HS) * (nz + 2 * HS) * NUM_VARS;
    state = malloc(cells * sizeof(double));
    state_tmp = malloc(cells * sizeof(double));
    flux = malloc((size_t)(nx + 1) * (nz + 1) * NUM_VARS * sizeof(double));
    tend = malloc((size_t)nx * nz * NUM_VARS * sizeof(double));
    for (int ll = 0; ll < NUM_VARS; ll++)
        for (int k = 0; k < nz + 2 * HS; k++)
            for (int i = 0; i < nx + 2 * HS; i++) {
                state[IDX(ll, k, i)] = 1.0 + 0.5 * sin(0.1 * (i + ll)) * cos(0.2 * k);
                state_tmp[IDX(ll, k, i)] = state[IDX(ll, k, i)];
            }
}

static void set_halo_values_x(double *s)
{
    #pragma acc parallel loop collapse(2) present(s[0:(nx + 2 * HS) * (nz + 2 * HS) * NUM_VARS])
    for (int ll = 0; ll < NUM_VARS; ll++)
        for (int k = 0; k < nz; k++) {
            s[IDX(ll, k + HS, 0)] = s[IDX(ll, k + HS, nx + HS - 2)];
            s[IDX(ll, k + HS, 1)] = s[IDX(ll, k + HS, nx + HS - 1)];
            s[IDX(ll, k + HS, nx + HS)] = s[IDX(ll, k + HS, HS)];
            s[IDX(ll, k + HS, nx + HS + 1)] = s[IDX(ll, k + HS, HS + 1)];
        }
}

static void set_halo_values_z(double *s)
{
    #pragma acc parallel loop collapse(2) present(s[0:(nx + 2 * HS) * (nz + 2 * HS) * NUM_VARS])
    for (int ll = 0; ll < NUM_VARS; ll++)
        for (int i = 0; i < nx + 2 * HS; i++) {
            s[IDX(ll, 0, i)] = s[IDX(ll, nz + HS - 2, i)];
            s[IDX(ll, 1, i)] = s[IDX(ll, nz + HS - 1, i)];
            s[IDX(ll, nz + HS, i)] = s[IDX(ll, HS, i)];
            s[IDX(ll, nz + HS + 1, i)] = s[IDX(ll, HS + 1, i)];
        }
}

static void compute_tendencies_x(double *s, double *f, double *t)
{
    #pragma acc parallel loop collapse(3) present(s[0:(nx + 2 * HS) * (nz + 2 * HS) * NUM_VARS], f[0:(nx + 1) * (nz + 1) * NUM_VARS])
    for (int ll = 0; ll < NUM_VARS; ll++)
        for (int k = 0; k < nz; k++)
            for (int i = 0; i < nx + 1; i++)
                f[ll * (nz + 1) * (nx + 1) + k * (nx + 1) + i] =
                    0.5 * (s[IDX(ll, k + HS, i + HS - 1)] + s[IDX(ll, k + HS, i + HS)]);
    #pragma acc parallel loop collapse(3) present(f[0:(nx + 1) * (nz + 1) * NUM_VARS], t[0:nx * nz * NUM_VARS])
    for (int ll = 0; ll < NUM_VARS; ll++)
        for (int k = 0; k < nz; k++)
            for (int i = 0; i < nx; i++)
                t[ll * nz * nx + k * nx + i] = -(f[ll * (nz + 1) * (nx + 1) + k * (nx + 1) + i + 1]
                                                 - f[ll * (nz + 1) * (nx + 1) + k * (nx + 1) + i]) / dx;
}

static void compute_tendencies_z(double *s, double *f, double *t)
{
    #pragma acc parallel loop collapse(3) present(s[0:(nx + 2 * HS) * (nz + 2 * HS) * NUM_VARS], f[0:(nx + 1) * (nz + 1) * NUM_VARS])
    for (int ll = 0; ll < NUM_VARS; ll++)
        for (int k = 0; k < nz + 1; k++)
            for (int i = 0; i < nx; i++)
                f[ll * (nz + 1) * (nx + 1) + k * (nx + 1) + i] =
                    0.5 * (s[IDX(ll, k + HS - 1, i + HS)] + s[IDX(ll, k + HS, i + HS)]);
    #pragma acc parallel loop collapse(3) present(f[0:(nx + 1) * (nz + 1) * NUM_VARS], t[0:nx * nz * NUM_VARS])
    for (int ll = 0; ll < NUM_VARS; ll++)
        for (int k = 0; k < nz; k++)
            for (int i = 0; i < nx; i++)
                t[ll * nz * nx + k * nx + i] = -(f[ll * (nz + 1) * (nx + 1) + (k + 1) * (nx + 1) + i]
                                                 - f[ll * (nz + 1) * (nx + 1) + k * (nx + 1) + i]) / dz;
}

static void semi_discrete_step(double *state_init, double *state_forcing, double *state_out,
                               double step, int dir, double *f, double *t)
{
    if (dir == DIR_X) {
        set_halo_values_x(state_forcing);
        compute_tendencies_x(state_forcing, f, t);
    } else {
        set_halo_values_z(state_forcing);
        compute_tendencies_z(state_forcing, f, t);
    }
    #pragma acc parallel loop collapse(3) present(state_init[0:(nx + 2 * HS) * (nz + 2 * HS) * NUM_VARS], state_out[0:(nx + 2 * HS) * (nz + 2 * HS) * NUM_VARS], t[0:nx * nz * NUM_VARS])
    for (int ll = 0; ll < NUM_VARS; ll++)
        for (int k = 0; k < nz; k++)
            for (int i = 0; i < nx; i++)
                state_out[IDX(ll, k + HS, i + HS)] =
                    state_init[IDX(ll, k + HS, i + HS)] + step * t[ll * nz * nx + k * nx + i];
}

static void perform_timestep(double *s, double *s_tmp, double *f, double *t, double step)
{
    semi_discrete_step(s, s, s_tmp, step / 3, DIR_X, f, t);
    semi_discrete_step(s, s_tmp, s_tmp, step / 2, DIR_X, f, t);
    semi_discrete_step(s, s_tmp, s, step / 1, DIR_X, f, t);
    semi_discrete_step(s, s, s_tmp, step / 3, DIR_Z, f, t);
    semi_discrete_step(s, s_tmp, s_tmp, step / 2, DIR_Z, f, t);
    semi_discrete_step(s, s_tmp, s, step / 1, DIR_Z, f, t);
}

static double total_mass(void)
{
    double mass = 0.0;
    #pragma acc parallel loop collapse(2) reduction(+:mass) present(state[0:(nx + 2 * HS) * (nz + 2 * HS) * NUM_VARS])
    for (int k = 0; k < nz; k++)
        for (int i = 0; i < nx; i++)
            mass += state[IDX(0, k + HS, i + HS)] * dx * dz;
    return mass;
}

int main(void)
{
    init();
    double mass;
    #pragma acc data copy(state[0:(nx + 2 * HS) * (nz + 2 * HS) * NUM_VARS]) copyin(state_tmp[0:(nx + 2 * HS) * (nz + 2 * HS) * NUM_VARS]) create(flux[0:(nx + 1) * (nz + 1) * NUM_VARS], tend[0:nx * nz * NUM_VARS])
    {
        for (int n = 0; n < nsteps; n++)
            perform_timestep(state, state_tmp, flux, tend, dt);
        mass = total_mass();
    }
    double ref = reference_mass(nx, nz, nsteps);
    printf("mass %.15f ref %.15f\n", mass, ref);
    if (fabs(mass - ref) <= 1e-12 * fabs(ref))
        printf("VERIFIED\n");
    free(state);
    free(state_tmp);
    free(flux);
    free(tend);
    return 0;
}
