/* Unstructured finite-volume Euler solver (Rodinia cfd / euler3d kind): every element has
 * NNB neighbour indices (-1: wall, -2: far field) and NNB face normals, the conserved
 * variables are stored variable-major (variables[i + v*nelr]).  Each iteration saves the
 * variables, computes the local time step of every element, then RK stages of flux
 * computation and update.  The far-field state lives in file-scope globals mirrored on the
 * device; all arrays are mapped once in main and the kernels find them present. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "euler.h"

double ff_variable[NVAR];
double3 ff_flux_contribution_momentum_x;
double3 ff_flux_contribution_momentum_y;
double3 ff_flux_contribution_momentum_z;
double3 ff_flux_contribution_density_energy;
#pragma acc declare create(ff_variable, ff_flux_contribution_momentum_x, \
    ff_flux_contribution_momentum_y, ff_flux_contribution_momentum_z, \
    ff_flux_contribution_density_energy)

#pragma acc routine seq
static inline void compute_flux_contribution(double density, double3 momentum,
                                             double density_energy, double pressure,
                                             double3 velocity, double3 *fc_momentum_x,
                                             double3 *fc_momentum_y, double3 *fc_momentum_z,
                                             double3 *fc_density_energy)
{
    fc_momentum_x->x = velocity.x * momentum.x + pressure;
    fc_momentum_x->y = velocity.x * momentum.y;
    fc_momentum_x->z = velocity.x * momentum.z;
    fc_momentum_y->x = fc_momentum_x->y;
    fc_momentum_y->y = velocity.y * momentum.y + pressure;
    fc_momentum_y->z = velocity.y * momentum.z;
    fc_momentum_z->x = fc_momentum_x->z;
    fc_momentum_z->y = fc_momentum_y->z;
    fc_momentum_z->z = velocity.z * momentum.z + pressure;
    double de_p = density_energy + pressure;
    fc_density_energy->x = velocity.x * de_p;
    fc_density_energy->y = velocity.y * de_p;
    fc_density_energy->z = velocity.z * de_p;
}

#pragma acc routine seq
static inline void compute_velocity(double density, double3 momentum, double3 *velocity)
{
    velocity->x = momentum.x / density;
    velocity->y = momentum.y / density;
    velocity->z = momentum.z / density;
}

#pragma acc routine seq
static inline double compute_speed_sqd(double3 velocity)
{
    return velocity.x * velocity.x + velocity.y * velocity.y + velocity.z * velocity.z;
}

#pragma acc routine seq
static inline double compute_pressure(double density, double density_energy, double speed_sqd)
{
    return (GAMMA - 1.0) * (density_energy - 0.5 * density * speed_sqd);
}

#pragma acc routine seq
static inline double compute_speed_of_sound(double density, double pressure)
{
    return sqrt(GAMMA * pressure / density);
}

static void initialize_variables(int nelr, double *variables, const double *bump)
{
    #pragma acc parallel loop present(variables[0:nelr*NVAR], bump[0:nelr])
    for (int i = 0; i < nelr; i++)
        for (int j = 0; j < NVAR; j++)
            variables[i + j * nelr] = ff_variable[j] * bump[i];
}

static void copy_variables(int nelr, double *restrict dst, const double *restrict src)
{
    #pragma acc parallel loop present(dst[0:nelr*NVAR], src[0:nelr*NVAR])
    for (int i = 0; i < nelr * NVAR; i++)
        dst[i] = src[i];
}

static void compute_step_factor(int nelr, const double *restrict variables,
                                const double *restrict areas, double *restrict step_factors)
{
    #pragma acc parallel loop gang vector present(variables[0:nelr*NVAR], areas[0:nelr], \
        step_factors[0:nelr])
    for (int i = 0; i < nelr; i++) {
        double density = variables[i + VAR_DENSITY * nelr];
        double3 momentum;
        momentum.x = variables[i + (VAR_MOMENTUM + 0) * nelr];
        momentum.y = variables[i + (VAR_MOMENTUM + 1) * nelr];
        momentum.z = variables[i + (VAR_MOMENTUM + 2) * nelr];
        double density_energy = variables[i + VAR_DENSITY_ENERGY * nelr];
        double3 velocity;
        compute_velocity(density, momentum, &velocity);
        double speed_sqd = compute_speed_sqd(velocity);
        double pressure = compute_pressure(density, density_energy, speed_sqd);
        double speed_of_sound = compute_speed_of_sound(density, pressure);
        step_factors[i] = 0.5 / (sqrt(areas[i]) * (sqrt(speed_sqd) + speed_of_sound));
    }
}

static void compute_flux(int nelr, const int *restrict elements_surrounding_elements,
                         const double *restrict normals, const double *restrict variables,
                         double *restrict fluxes)
{
    const double smoothing_coefficient = 0.2;
    #pragma acc parallel loop gang vector present(elements_surrounding_elements[0:nelr*NNB], \
        normals[0:nelr*NNB*NDIM], variables[0:nelr*NVAR], fluxes[0:nelr*NVAR])
    for (int i = 0; i < nelr; i++) {
        int j, nb;
        double3 normal;
        double normal_len;
        double factor;

        double density_i = variables[i + VAR_DENSITY * nelr];
        double3 momentum_i;
        momentum_i.x = variables[i + (VAR_MOMENTUM + 0) * nelr];
        momentum_i.y = variables[i + (VAR_MOMENTUM + 1) * nelr];
        momentum_i.z = variables[i + (VAR_MOMENTUM + 2) * nelr];
        double density_energy_i = variables[i + VAR_DENSITY_ENERGY * nelr];

        double3 velocity_i;
        compute_velocity(density_i, momentum_i, &velocity_i);
        double speed_sqd_i = compute_speed_sqd(velocity_i);
        double speed_i = sqrt(speed_sqd_i);
        double pressure_i = compute_pressure(density_i, density_energy_i, speed_sqd_i);
        double speed_of_sound_i = compute_speed_of_sound(density_i, pressure_i);
        double3 fc_i_momentum_x, fc_i_momentum_y, fc_i_momentum_z, fc_i_density_energy;
        compute_flux_contribution(density_i, momentum_i, density_energy_i, pressure_i,
                                  velocity_i, &fc_i_momentum_x, &fc_i_momentum_y,
                                  &fc_i_momentum_z, &fc_i_density_energy);

        double flux_i_density = 0.0;
        double3 flux_i_momentum;
        flux_i_momentum.x = 0.0;
        flux_i_momentum.y = 0.0;
        flux_i_momentum.z = 0.0;
        double flux_i_density_energy = 0.0;

        double3 velocity_nb;
        double density_nb, density_energy_nb;
        double3 momentum_nb;
        double3 fc_nb_momentum_x, fc_nb_momentum_y, fc_nb_momentum_z, fc_nb_density_energy;
        double speed_sqd_nb, speed_of_sound_nb, pressure_nb;

        #pragma acc loop seq
        for (j = 0; j < NNB; j++) {
            nb = elements_surrounding_elements[i + j * nelr];
            normal.x = normals[i + (j + 0 * NNB) * nelr];
            normal.y = normals[i + (j + 1 * NNB) * nelr];
            normal.z = normals[i + (j + 2 * NNB) * nelr];
            normal_len = sqrt(normal.x * normal.x + normal.y * normal.y + normal.z * normal.z);

            if (nb >= 0) {
                density_nb = variables[nb + VAR_DENSITY * nelr];
                momentum_nb.x = variables[nb + (VAR_MOMENTUM + 0) * nelr];
                momentum_nb.y = variables[nb + (VAR_MOMENTUM + 1) * nelr];
                momentum_nb.z = variables[nb + (VAR_MOMENTUM + 2) * nelr];
                density_energy_nb = variables[nb + VAR_DENSITY_ENERGY * nelr];
                compute_velocity(density_nb, momentum_nb, &velocity_nb);
                speed_sqd_nb = compute_speed_sqd(velocity_nb);
                pressure_nb = compute_pressure(density_nb, density_energy_nb, speed_sqd_nb);
                speed_of_sound_nb = compute_speed_of_sound(density_nb, pressure_nb);
                compute_flux_contribution(density_nb, momentum_nb, density_energy_nb,
                                          pressure_nb, velocity_nb, &fc_nb_momentum_x,
                                          &fc_nb_momentum_y, &fc_nb_momentum_z,
                                          &fc_nb_density_energy);

                /* artificial viscosity */
                factor = -normal_len * smoothing_coefficient * 0.5
                         * (speed_i + sqrt(speed_sqd_nb) + speed_of_sound_i + speed_of_sound_nb);
                flux_i_density += factor * (density_i - density_nb);
                flux_i_density_energy += factor * (density_energy_i - density_energy_nb);
                flux_i_momentum.x += factor * (momentum_i.x - momentum_nb.x);
                flux_i_momentum.y += factor * (momentum_i.y - momentum_nb.y);
                flux_i_momentum.z += factor * (momentum_i.z - momentum_nb.z);

                /* accumulate cell-centered fluxes */
                factor = 0.5 * normal.x;
                flux_i_density += factor * (momentum_nb.x + momentum_i.x);
                flux_i_density_energy += factor * (fc_nb_density_energy.x + fc_i_density_energy.x);
                flux_i_momentum.x += factor * (fc_nb_momentum_x.x + fc_i_momentum_x.x);
                flux_i_momentum.y += factor * (fc_nb_momentum_y.x + fc_i_momentum_y.x);
                flux_i_momentum.z += factor * (fc_nb_momentum_z.x + fc_i_momentum_z.x);

                factor = 0.5 * normal.y;
                flux_i_density += factor * (momentum_nb.y + momentum_i.y);
                flux_i_density_energy += factor * (fc_nb_density_energy.y + fc_i_density_energy.y);
                flux_i_momentum.x += factor * (fc_nb_momentum_x.y + fc_i_momentum_x.y);
                flux_i_momentum.y += factor * (fc_nb_momentum_y.y + fc_i_momentum_y.y);
                flux_i_momentum.z += factor * (fc_nb_momentum_z.y + fc_i_momentum_z.y);

                factor = 0.5 * normal.z;
                flux_i_density += factor * (momentum_nb.z + momentum_i.z);
                flux_i_density_energy += factor * (fc_nb_density_energy.z + fc_i_density_energy.z);
                flux_i_momentum.x += factor * (fc_nb_momentum_x.z + fc_i_momentum_x.z);
                flux_i_momentum.y += factor * (fc_nb_momentum_y.z + fc_i_momentum_y.z);
                flux_i_momentum.z += factor * (fc_nb_momentum_z.z + fc_i_momentum_z.z);
            } else if (nb == -1) {
                /* wall */
                flux_i_momentum.x += normal.x * pressure_i;
                flux_i_momentum.y += normal.y * pressure_i;
                flux_i_momentum.z += normal.z * pressure_i;
            } else if (nb == -2) {
                /* far field */
                factor = 0.5 * normal.x;
                flux_i_density += factor * (ff_variable[VAR_MOMENTUM + 0] + momentum_i.x);
                flux_i_density_energy += factor * (ff_flux_contribution_density_energy.x + fc_i_density_energy.x);
                flux_i_momentum.x += factor * (ff_flux_contribution_momentum_x.x + fc_i_momentum_x.x);
                flux_i_momentum.y += factor * (ff_flux_contribution_momentum_y.x + fc_i_momentum_y.x);
                flux_i_momentum.z += factor * (ff_flux_contribution_momentum_z.x + fc_i_momentum_z.x);

                factor = 0.5 * normal.y;
                flux_i_density += factor * (ff_variable[VAR_MOMENTUM + 1] + momentum_i.y);
                flux_i_density_energy += factor * (ff_flux_contribution_density_energy.y + fc_i_density_energy.y);
                flux_i_momentum.x += factor * (ff_flux_contribution_momentum_x.y + fc_i_momentum_x.y);
                flux_i_momentum.y += factor * (ff_flux_contribution_momentum_y.y + fc_i_momentum_y.y);
                flux_i_momentum.z += factor * (ff_flux_contribution_momentum_z.y + fc_i_momentum_z.y);

                factor = 0.5 * normal.z;
                flux_i_density += factor * (ff_variable[VAR_MOMENTUM + 2] + momentum_i.z);
                flux_i_density_energy += factor * (ff_flux_contribution_density_energy.z + fc_i_density_energy.z);
                flux_i_momentum.x += factor * (ff_flux_contribution_momentum_x.z + fc_i_momentum_x.z);
                flux_i_momentum.y += factor * (ff_flux_contribution_momentum_y.z + fc_i_momentum_y.z);
                flux_i_momentum.z += factor * (ff_flux_contribution_momentum_z.z + fc_i_momentum_z.z);
            }
        }

        fluxes[i + VAR_DENSITY * nelr] = flux_i_density;
        fluxes[i + (VAR_MOMENTUM + 0) * nelr] = flux_i_momentum.x;
        fluxes[i + (VAR_MOMENTUM + 1) * nelr] = flux_i_momentum.y;
        fluxes[i + (VAR_MOMENTUM + 2) * nelr] = flux_i_momentum.z;
        fluxes[i + VAR_DENSITY_ENERGY * nelr] = flux_i_density_energy;
    }
}

static void time_step(int j, int nelr, const double *restrict old_variables,
                      double *restrict variables, const double *restrict step_factors,
                      const double *restrict fluxes)
{
    #pragma acc parallel loop gang vector present(old_variables[0:nelr*NVAR], \
        variables[0:nelr*NVAR], step_factors[0:nelr], fluxes[0:nelr*NVAR])
    for (int i = 0; i < nelr; i++) {
        double factor = step_factors[i] / (double)(RK + 1 - j);
        variables[i + VAR_DENSITY * nelr] = old_variables[i + VAR_DENSITY * nelr]
                                            + factor * fluxes[i + VAR_DENSITY * nelr];
        variables[i + VAR_DENSITY_ENERGY * nelr] = old_variables[i + VAR_DENSITY_ENERGY * nelr]
                                                   + factor * fluxes[i + VAR_DENSITY_ENERGY * nelr];
        variables[i + (VAR_MOMENTUM + 0) * nelr] = old_variables[i + (VAR_MOMENTUM + 0) * nelr]
                                                   + factor * fluxes[i + (VAR_MOMENTUM + 0) * nelr];
        variables[i + (VAR_MOMENTUM + 1) * nelr] = old_variables[i + (VAR_MOMENTUM + 1) * nelr]
                                                   + factor * fluxes[i + (VAR_MOMENTUM + 1) * nelr];
        variables[i + (VAR_MOMENTUM + 2) * nelr] = old_variables[i + (VAR_MOMENTUM + 2) * nelr]
                                                   + factor * fluxes[i + (VAR_MOMENTUM + 2) * nelr];
    }
}

/* a structured nx x ny patch read as an unstructured mesh: x faces far field, y faces walls;
 * the normals (face areas, pointing into the element) of unit faces */
static void build_mesh(int nx, int ny, int *esue, double *normals, double *areas, double *bump)
{
    int nelr = nx * ny;
    static const int dx[NNB] = {1, -1, 0, 0}, dy[NNB] = {0, 0, 1, -1};
    for (int y = 0; y < ny; y++)
        for (int x = 0; x < nx; x++) {
            int i = y * nx + x;
            areas[i] = 1.0;
            double rx = x - nx / 3.0, ry = y - ny / 2.0;
            bump[i] = 1.0 + 0.1 * exp(-(rx * rx + ry * ry) / 16.0);
            for (int j = 0; j < NNB; j++) {
                int xx = x + dx[j], yy = y + dy[j];
                int nb;
                if (xx < 0 || xx >= nx)
                    nb = -2;
                else if (yy < 0 || yy >= ny)
                    nb = -1;
                else
                    nb = yy * nx + xx;
                esue[i + j * nelr] = nb;
                normals[i + (j + 0 * NNB) * nelr] = -dx[j];
                normals[i + (j + 1 * NNB) * nelr] = -dy[j];
                normals[i + (j + 2 * NNB) * nelr] = 0.0;
            }
        }
}

int main(int argc, char **argv)
{
    int nx = 40, ny = 24, iterations = argc > 1 ? atoi(argv[1]) : 30;
    int nelr = nx * ny;

    /* far-field state */
    {
        const double angle_of_attack = 0.0;
        ff_variable[VAR_DENSITY] = 1.4;
        double ff_pressure = 1.0;
        double ff_speed_of_sound = sqrt(GAMMA * ff_pressure / ff_variable[VAR_DENSITY]);
        double ff_speed = ff_mach * ff_speed_of_sound;
        double3 ff_velocity;
        ff_velocity.x = ff_speed * cos(angle_of_attack);
        ff_velocity.y = ff_speed * sin(angle_of_attack);
        ff_velocity.z = 0.0;
        ff_variable[VAR_MOMENTUM + 0] = ff_variable[VAR_DENSITY] * ff_velocity.x;
        ff_variable[VAR_MOMENTUM + 1] = ff_variable[VAR_DENSITY] * ff_velocity.y;
        ff_variable[VAR_MOMENTUM + 2] = ff_variable[VAR_DENSITY] * ff_velocity.z;
        ff_variable[VAR_DENSITY_ENERGY] = ff_variable[VAR_DENSITY] * (0.5 * (ff_speed * ff_speed))
                                          + (ff_pressure / (GAMMA - 1.0));
        double3 ff_momentum;
        ff_momentum.x = ff_variable[VAR_MOMENTUM + 0];
        ff_momentum.y = ff_variable[VAR_MOMENTUM + 1];
        ff_momentum.z = ff_variable[VAR_MOMENTUM + 2];
        compute_flux_contribution(ff_variable[VAR_DENSITY], ff_momentum,
                                  ff_variable[VAR_DENSITY_ENERGY], ff_pressure, ff_velocity,
                                  &ff_flux_contribution_momentum_x,
                                  &ff_flux_contribution_momentum_y,
                                  &ff_flux_contribution_momentum_z,
                                  &ff_flux_contribution_density_energy);
    }
    #pragma acc update device(ff_variable, ff_flux_contribution_momentum_x, \
        ff_flux_contribution_momentum_y, ff_flux_contribution_momentum_z, \
        ff_flux_contribution_density_energy)

    int *elements_surrounding_elements = (int *)malloc(sizeof(int) * nelr * NNB);
    double *normals = (double *)malloc(sizeof(double) * nelr * NNB * NDIM);
    double *areas = (double *)malloc(sizeof(double) * nelr);
    double *bump = (double *)malloc(sizeof(double) * nelr);
    build_mesh(nx, ny, elements_surrounding_elements, normals, areas, bump);

    double *variables = (double *)malloc(sizeof(double) * nelr * NVAR);
    double *old_variables = (double *)malloc(sizeof(double) * nelr * NVAR);
    double *fluxes = (double *)malloc(sizeof(double) * nelr * NVAR);
    double *step_factors = (double *)malloc(sizeof(double) * nelr);

    #pragma acc data copyin(elements_surrounding_elements[0:nelr*NNB], \
        normals[0:nelr*NNB*NDIM], areas[0:nelr], bump[0:nelr]) \
        copyout(variables[0:nelr*NVAR]) \
        create(old_variables[0:nelr*NVAR], fluxes[0:nelr*NVAR], step_factors[0:nelr])
    {
        initialize_variables(nelr, variables, bump);
        for (int i = 0; i < iterations; i++) {
            copy_variables(nelr, old_variables, variables);
            compute_step_factor(nelr, variables, areas, step_factors);
            for (int j = 0; j < RK; j++) {
                compute_flux(nelr, elements_surrounding_elements, normals, variables, fluxes);
                time_step(j, nelr, old_variables, variables, step_factors, fluxes);
            }
        }
    }

    double mass = 0.0;
    for (int i = 0; i < nelr; i++)
        mass += variables[i + VAR_DENSITY * nelr];
    printf("density sum %.10f\n", mass);
    int bad = check_euler(nx, ny, iterations, ff_variable, variables);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    free(elements_surrounding_elements);
    free(normals);
    free(areas);
    free(bump);
    free(variables);
    free(old_variables);
    free(fluxes);
    free(step_factors);
    return 0;
}
