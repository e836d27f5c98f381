#ifndef STENCIL_COMMON_H
#define STENCIL_COMMON_H
/* flat 3-D grid, x fastest */
#define Index3D(_nx, _ny, _i, _j, _k) ((_i) + (_nx) * ((_j) + (_ny) * (_k)))

void cpu_stencil(float c0, float c1, float *A0, float *Anext, const int nx, const int ny,
                 const int nz);
void copy_boundary(const float *A0, float *Anext, const int nx, const int ny, const int nz);
int check_stencil(const float *start, const float *result, int nx, int ny, int nz, int iters,
                  float c0, float c1);
#endif
