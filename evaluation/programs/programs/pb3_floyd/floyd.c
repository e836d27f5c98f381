/* floyd-warshall in the PolyBench/C 4.2 algorithm on a malloc'd flat int matrix (an index
 * macro on the host side, explicit row-major indexing in the kernels): the k loop runs on
 * the host inside one data region, each k step is a collapsed parallel kernel over (i, j)
 * (row k and column k do not change during step k).  After the loop a second kernel in the
 * same region counts the unreachable pairs and sums the finite distances.  A CPU reference
 * in the same file checks every entry. */
#include <stdio.h>
#include <stdlib.h>

#define N 300
#define DATA_TYPE int
#define INF 999999
#define PATH(i, j) path[(i) * n + (j)]
#define REF(i, j) ref[(i) * n + (j)]

static void init_array(int n, DATA_TYPE *path)
{
    int i, j;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) {
            PATH(i, j) = i * j % 7 + 1;
            if ((i + j) % 13 == 0 || (i + j) % 7 == 0 || (i + j) % 11 == 0)
                PATH(i, j) = INF;
            if (j >= n - 3 && i < n - 3)
                PATH(i, j) = INF;
            if (i == j)
                PATH(i, j) = 0;
        }
}

static void floyd_cpu(int n, DATA_TYPE *ref)
{
    int i, j, k;
    for (k = 0; k < n; k++)
        for (i = 0; i < n; i++)
            for (j = 0; j < n; j++)
                REF(i, j) = REF(i, j) < REF(i, k) + REF(k, j) ? REF(i, j) : REF(i, k) + REF(k, j);
}

static void kernel_floyd_warshall(int n, DATA_TYPE *restrict path, long *total, int *unreachable)
{
    int i, j, k;
    long sum = 0;
    int unr = 0;
    #pragma acc data copy(path[0:n*n])
    {
        for (k = 0; k < n; k++) {
            #pragma acc parallel loop collapse(2) present(path[0:n*n])
            for (i = 0; i < n; i++)
                for (j = 0; j < n; j++)
                    path[i * n + j] = path[i * n + j] < path[i * n + k] + path[k * n + j]
                                          ? path[i * n + j]
                                          : path[i * n + k] + path[k * n + j];
        }
        #pragma acc parallel loop collapse(2) reduction(+:sum, unr) present(path[0:n*n])
        for (i = 0; i < n; i++)
            for (j = 0; j < n; j++) {
                if (path[i * n + j] >= INF)
                    unr += 1;
                else
                    sum += path[i * n + j];
            }
    }
    *total = sum;
    *unreachable = unr;
}

int main(int argc, char **argv)
{
    int n = N, bad = 0, unr;
    long total;
    DATA_TYPE *path = (DATA_TYPE *)malloc(sizeof(DATA_TYPE) * n * n);
    DATA_TYPE *ref = (DATA_TYPE *)malloc(sizeof(DATA_TYPE) * n * n);
    init_array(n, path);
    init_array(n, ref);
    kernel_floyd_warshall(n, path, &total, &unr);
    floyd_cpu(n, ref);
    long rtotal = 0;
    int runr = 0;
    for (int i = 0; i < n * n; i++) {
        if (path[i] != ref[i])
            bad++;
        if (ref[i] >= INF)
            runr++;
        else
            rtotal += ref[i];
    }
    if (rtotal != total || runr != unr)
        bad++;
    printf("total %ld unreachable %d mismatches %d\n", total, unr, bad);
    if (bad == 0)
        printf("VERIFIED\n");
    free(path);
    free(ref);
    return bad != 0;
}
