/* A pipeline of kernels with host code between them (issue #15): each time step smooths the
 * field on the device, the host sets reflecting boundaries from the neighbouring values, and
 * after the steps a last kernel computes the squared field and its norm. */
#include <math.h>

double pipeline(int n, int steps, double *u, double *v, double *r)
{
    double norm = 0.0;
    #pragma acc data copy(u[0:n]) create(v[0:n]) copyout(r[0:n])
    {
        for (int t = 0; t < steps; t++) {
            #pragma acc parallel loop present(u[0:n], v[0:n])
            for (int i = 1; i < n - 1; i++)
                v[i] = (u[i - 1] + 2.0 * u[i] + u[i + 1]) * 0.25;
            #pragma acc parallel loop present(u[0:n], v[0:n])
            for (int i = 1; i < n - 1; i++)
                u[i] = v[i] + 0.001 * t;
            #pragma acc update self(u[1:1])
            #pragma acc update self(u[n-2:1])
            u[0] = u[1];
            u[n - 1] = 0.5 * u[n - 2];
            #pragma acc update device(u[0:1])
            #pragma acc update device(u[n-1:1])
        }
        #pragma acc parallel loop present(u[0:n], r[0:n]) reduction(+:norm)
        for (int i = 0; i < n; i++) {
            r[i] = u[i] * u[i];
            norm += r[i];
        }
    }
    return sqrt(norm);
}
