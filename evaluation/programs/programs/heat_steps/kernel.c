/* Time stepping with several kernels and host code between them: explicit heat equation,
 * a device kernel for the flux, one for the update, the host reads the boundary values each
 * step (update self) and writes a new source term (update device). */
#include <math.h>

double heat(int n, int steps, double *u, double *flux, double *src)
{
    double total = 0.0;
    #pragma acc data copy(u[0:n]) create(flux[0:n]) copyin(src[0:n])
    {
        for (int t = 0; t < steps; t++) {
            #pragma acc parallel loop present(u[0:n], flux[0:n])
            for (int i = 1; i < n; i++)
                flux[i] = 0.2 * (u[i] - u[i - 1]);
            #pragma acc parallel loop present(u[0:n], flux[0:n], src[0:n])
            for (int i = 1; i < n - 1; i++)
                u[i] += flux[i + 1] - flux[i] + src[i];
            #pragma acc update self(u[0:1])
            #pragma acc update self(u[n-1:1])
            total += u[0] + u[n - 1];
            src[t % n] = 0.001 * sin((double)t);
            #pragma acc update device(src[t % n:1])
        }
    }
    return total;
}
