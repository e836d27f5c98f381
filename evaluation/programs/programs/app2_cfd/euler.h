#ifndef EULER_H
#define EULER_H
#define GAMMA 1.4
#define NDIM 3
#define NNB 4
#define RK 3
#define ff_mach 0.5
#define VAR_DENSITY 0
#define VAR_MOMENTUM 1
#define VAR_DENSITY_ENERGY (VAR_MOMENTUM + NDIM)
#define NVAR (VAR_DENSITY_ENERGY + 1)

typedef struct { double x, y, z; } double3;

int check_euler(int nx, int ny, int iterations, const double *ff, const double *result);
#endif
