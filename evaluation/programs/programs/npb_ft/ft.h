#ifndef FT_H
#define FT_H
#define NX 16
#define NY 16
#define NZ 8
#define NITER 4
#define NCHK 256
#define ALPHA 1.0e-3
#define PI 3.14159265358979323846

typedef struct {
    double re, im;
} dcomplex;

void init_field(dcomplex u[NZ][NY][NX]);
int check_ft(const double sums[NITER][2]);
#endif
