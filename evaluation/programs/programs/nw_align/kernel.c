/* Global sequence alignment by dynamic programming (Needleman-Wunsch kind): the score table is
 * filled by anti-diagonals, the cells of one diagonal in parallel, the diagonals in order.
 * Two kernels set the gap-penalty borders first; after the fill the host traces the best
 * alignment back through the table. */
int nw_align(int n, int m, const int *restrict a, const int *restrict b,
             const int *restrict sim, int gap, int *restrict score, int *matches)
{
    int w = m + 1;
    #pragma acc data copyin(a[0:n], b[0:m], sim[0:16]) copyout(score[0:(n+1)*(m+1)])
    {
        #pragma acc parallel loop present(score[0:(n+1)*(m+1)])
        for (int i = 0; i <= n; i++)
            score[i * w] = -gap * i;
        #pragma acc parallel loop present(score[0:(n+1)*(m+1)])
        for (int j = 1; j <= m; j++)
            score[j] = -gap * j;
        for (int d = 2; d <= n + m; d++) {
            int lo = d - m > 1 ? d - m : 1, hi = d - 1 < n ? d - 1 : n;
            #pragma acc parallel loop present(a[0:n], b[0:m], sim[0:16], score[0:(n+1)*(m+1)])
            for (int i = lo; i <= hi; i++) {
                int j = d - i;
                int diag = score[(i - 1) * w + j - 1] + sim[a[i - 1] * 4 + b[j - 1]];
                int up = score[(i - 1) * w + j] - gap, left = score[i * w + j - 1] - gap;
                int best = diag > up ? diag : up;
                score[i * w + j] = best > left ? best : left;
            }
        }
    }
    /* traceback on the host */
    int i = n, j = m, same = 0, len = 0;
    while (i > 0 && j > 0) {
        int s = score[i * w + j];
        if (s == score[(i - 1) * w + j - 1] + sim[a[i - 1] * 4 + b[j - 1]]) {
            same += a[i - 1] == b[j - 1];
            i--;
            j--;
        } else if (s == score[(i - 1) * w + j] - gap) {
            i--;
        } else {
            j--;
        }
        len++;
    }
    *matches = same;
    return len + i + j;
}
