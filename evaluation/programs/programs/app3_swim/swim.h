#ifndef SWIM_H
#define SWIM_H
#define M 96
#define N 128
#define M_LEN (M + 1)
#define N_LEN (N + 1)
#define ITMAX 80
#define DT 90.0
#define DX 1.0e5
#define DY 1.0e5
#define A_SIZE 1.0e6
#define ALPHA 0.001
#define EL (N * DX)
#define PI 3.14159265358979323846
#define TPI (PI + PI)
#define DI (TPI / M)
#define DJ (TPI / N)
#define PCF (PI * PI * A_SIZE * A_SIZE / (EL * EL))

void initial_fields(double u[M_LEN][N_LEN], double v[M_LEN][N_LEN], double p[M_LEN][N_LEN]);
int check_swim(const double *u, const double *v, const double *p);
#endif
