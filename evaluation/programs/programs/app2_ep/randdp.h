#ifndef RANDDP_H
#define RANDDP_H
#pragma acc routine seq
double randlc(double *x, double a);
void vranlc(int n, double *x, double a, double y[]);
#endif
