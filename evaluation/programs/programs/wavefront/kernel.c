/* Longest-common-subsequence table by anti-diagonals: the diagonal loop carries the
 * dependence (seq), the cells of one diagonal are independent. */
void lcs_table(int n, int m, const char *a, const char *b, int *T)
{
    #pragma acc data copyin(a[0:n], b[0:m]) copy(T[0:(n+1)*(m+1)])
    for (int d = 2; d <= n + m; d++) {
        int lo = d - m > 1 ? d - m : 1, hi = d - 1 < n ? d - 1 : n;
        #pragma acc parallel loop present(a[0:n], b[0:m], T[0:(n+1)*(m+1)])
        for (int i = lo; i <= hi; i++) {
            int j = d - i;
            int up = T[(i - 1) * (m + 1) + j], left = T[i * (m + 1) + j - 1];
            T[i * (m + 1) + j] = a[i - 1] == b[j - 1] ? T[(i - 1) * (m + 1) + j - 1] + 1
                                                      : (up > left ? up : left);
        }
    }
}
