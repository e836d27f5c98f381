#ifndef LU_H
#define LU_H
#define NX 12
#define NY 12
#define NZ 12
#define ITMAX 12
#define INORM 4
#define C1 1.40
#define C2 0.40
#define TX2 0.05
#define DSSP 0.02
#define OMEGA 0.6
#define TAU 0.08

void init_fields(double u[NZ][NY][NX][5], double frct[NZ][NY][NX][5]);
int check_lu(double u[NZ][NY][NX][5], double norms[ITMAX / INORM][5]);
#endif
