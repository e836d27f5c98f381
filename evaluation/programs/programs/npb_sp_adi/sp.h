#ifndef SP_H
#define SP_H
#define NX 16
#define NY 16
#define NZ 16
#define NSTEPS 10
#define NPRINT 5
#define DT 0.05
#define R 0.4

void init_fields(double u[NZ][NY][NX], double forcing[NZ][NY][NX]);
int check_sp(double u[NZ][NY][NX], const double norms[NSTEPS / NPRINT]);
#endif
