/* Right-looking LU factorisation with partial pivoting, P A = L U, in place on a row-major
 * matrix.  The host loop runs over the pivot columns: a device kernel copies the column's
 * lower part into a file-scope buffer, the host brings that part back (update self), picks
 * the pivot row and records it, a device kernel swaps the two rows, another scales the
 * multipliers below the diagonal and the last updates the trailing submatrix.  The matrix
 * stays on the device for the whole factorisation; a device forward/back substitution then
 * solves for one right-hand side. */
#include <math.h>

#define LU_MAX_N 1024

static double pivot_col[LU_MAX_N];

static void gather_column(int n, int k, const double *restrict a)
{
    #pragma acc parallel loop present(a[0:n*n], pivot_col[0:n])
    for (int i = k; i < n; i++)
        pivot_col[i] = fabs(a[i * n + k]);
}

static void swap_rows(int n, int r1, int r2, double *restrict a)
{
    #pragma acc parallel loop present(a[0:n*n])
    for (int j = 0; j < n; j++) {
        double t = a[r1 * n + j];
        a[r1 * n + j] = a[r2 * n + j];
        a[r2 * n + j] = t;
    }
}

static void scale_multipliers(int n, int k, double *restrict a)
{
    #pragma acc parallel loop present(a[0:n*n])
    for (int i = k + 1; i < n; i++)
        a[i * n + k] /= a[k * n + k];
}

static void update_trailing(int n, int k, double *restrict a)
{
    #pragma acc parallel loop gang present(a[0:n*n])
    for (int i = k + 1; i < n; i++) {
        double l = a[i * n + k];
        #pragma acc loop vector
        for (int j = k + 1; j < n; j++)
            a[i * n + j] -= l * a[k * n + j];
    }
}

/* Solves L U x = P b on the device (rows of b permuted by the host first). */
static void lu_solve(int n, const double *restrict a, double *restrict x)
{
    #pragma acc serial present(a[0:n*n], x[0:n])
    {
        #pragma acc loop seq
        for (int i = 1; i < n; i++) {
            double s = x[i];
            for (int j = 0; j < i; j++)
                s -= a[i * n + j] * x[j];
            x[i] = s;
        }
        #pragma acc loop seq
        for (int i = n - 1; i >= 0; i--) {
            double s = x[i];
            for (int j = i + 1; j < n; j++)
                s -= a[i * n + j] * x[j];
            x[i] = s / a[i * n + i];
        }
    }
}

/* Factorises a (n x n), perm[k] = the row swapped with row k at step k; overwrites b by
 * the solution of A x = b.  Returns the number of row swaps. */
int lu_factor_solve(int n, double *restrict a, int *restrict perm, double *restrict b)
{
    int swaps = 0;
    #pragma acc data copy(a[0:n*n]) create(pivot_col[0:n])
    {
        for (int k = 0; k < n - 1; k++) {
            gather_column(n, k, a);
            #pragma acc update self(pivot_col[k:n-k])
            int p = k;
            for (int i = k + 1; i < n; i++)
                if (pivot_col[i] > pivot_col[p])
                    p = i;
            perm[k] = p;
            if (p != k) {
                swap_rows(n, k, p, a);
                swaps++;
            }
            scale_multipliers(n, k, a);
            update_trailing(n, k, a);
        }
        perm[n - 1] = n - 1;
        for (int k = 0; k < n; k++) {
            double t = b[k];
            b[k] = b[perm[k]];
            b[perm[k]] = t;
        }
        #pragma acc data copy(b[0:n])
        lu_solve(n, a, b);
    }
    return swaps;
}
