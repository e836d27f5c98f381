/* Correlation matrix of m variables over n observations in the PolyBench correlation shape,
 * one file: column means, standard deviations (a constant column gets 1.0), the data centred
 * and scaled in place, then the symmetric upper triangle of corr with its mirror.  The
 * arrays are pointers to rows allocated in main and variable-length array parameters in
 * the kernel; the data region is in the kernel, the last diagonal element is set after it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N 480
#define M 220
#define DATA_TYPE double

int check_correlation(int n, int m, double (*corr)[M], const double *mean,
                      const double *stddev);

static void init_array(int n, int m, DATA_TYPE data[n][m])
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            data[i][j] = j == 7 ? 2.5 : (DATA_TYPE)((i * j + 3 * i + j) % 97) / 97.0 + 0.01 * i;
}

static void kernel_correlation(int n, int m, DATA_TYPE data[n][m], DATA_TYPE corr[m][m],
                               DATA_TYPE mean[m], DATA_TYPE stddev[m])
{
    DATA_TYPE float_n = (DATA_TYPE)n;
    DATA_TYPE eps = 0.1;
    #pragma acc data copy(data[0:n][0:m]) copyout(mean[0:m], stddev[0:m], corr[0:m][0:m])
    {
        #pragma acc parallel loop present(data[0:n][0:m], mean[0:m])
        for (int j = 0; j < m; j++) {
            DATA_TYPE s = 0.0;
            for (int i = 0; i < n; i++)
                s += data[i][j];
            mean[j] = s / float_n;
        }
        #pragma acc parallel loop present(data[0:n][0:m], mean[0:m], stddev[0:m])
        for (int j = 0; j < m; j++) {
            DATA_TYPE s = 0.0;
            for (int i = 0; i < n; i++)
                s += (data[i][j] - mean[j]) * (data[i][j] - mean[j]);
            s = sqrt(s / float_n);
            stddev[j] = s <= eps ? 1.0 : s;
        }
        #pragma acc parallel loop collapse(2) present(data[0:n][0:m], mean[0:m], stddev[0:m])
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                data[i][j] = (data[i][j] - mean[j]) / (sqrt(float_n) * stddev[j]);
        #pragma acc parallel loop gang present(data[0:n][0:m], corr[0:m][0:m])
        for (int i = 0; i < m - 1; i++) {
            corr[i][i] = 1.0;
            #pragma acc loop vector
            for (int j = i + 1; j < m; j++) {
                DATA_TYPE s = 0.0;
                for (int k = 0; k < n; k++)
                    s += data[k][i] * data[k][j];
                corr[i][j] = s;
                corr[j][i] = s;
            }
        }
    }
    corr[m - 1][m - 1] = 1.0;
}

static double checksum(int m, DATA_TYPE corr[m][m])
{
    double s = 0.0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
            s += corr[i][j] * ((i + 2 * j) % 11 - 5);
    return s;
}

int main(void)
{
    int n = N, m = M;
    DATA_TYPE (*data)[M] = malloc(sizeof(DATA_TYPE[N][M]));
    DATA_TYPE (*corr)[M] = malloc(sizeof(DATA_TYPE[M][M]));
    DATA_TYPE *mean = malloc(sizeof(DATA_TYPE) * M);
    DATA_TYPE *stddev = malloc(sizeof(DATA_TYPE) * M);
    init_array(n, m, data);
    kernel_correlation(n, m, data, corr, mean, stddev);
    printf("checksum %.6f\n", checksum(m, corr));
    int bad = check_correlation(n, m, corr, mean, stddev);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    free(data), free(corr), free(mean), free(stddev);
    return 0;
}
