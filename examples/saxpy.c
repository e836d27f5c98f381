/* A few loops to try accellium on: accellium suggest examples/saxpy.c */
#include <math.h>

void saxpy(int n, float a, const float *x, float *y)
{
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}

float dot(int n, const float *x, const float *y)
{
    float s = 0.0f;
    for (int i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}

void matmul(int n, int m, int p, const double *A, const double *B, double *C)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) {
            double sum = 0.0;
            for (int k = 0; k < p; k++)
                sum += A[i * p + k] * B[k * m + j];
            C[i * m + j] = sum;
        }
}

void prefix_sum(int n, double *x)
{
    for (int i = 1; i < n; i++)
        x[i] = x[i - 1] + x[i];
}

double max_abs(int n, const double *v)
{
    double m = 0.0;
    for (int i = 0; i < n; i++)
        if (fabs(v[i]) > m) m = fabs(v[i]);
    return m;
}

void jacobi(int n, int m, double A[n][m], double Anew[n][m])
{
#pragma acc data copy(A[0:n][0:m]) create(Anew[0:n][0:m])
    {
        for (int j = 1; j < n - 1; j++)
            for (int i = 1; i < m - 1; i++)
                Anew[j][i] = 0.25 * (A[j][i + 1] + A[j][i - 1] + A[j - 1][i] + A[j + 1][i]);
    }
}
