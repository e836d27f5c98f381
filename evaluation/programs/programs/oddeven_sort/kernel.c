/* Odd-even transposition sort: the phases are sequential, the compare-exchanges of one
 * phase touch disjoint pairs. */
void oddeven_sort(int n, int *v)
{
    #pragma acc data copy(v[0:n])
    for (int phase = 0; phase < n; phase++) {
        int start = phase % 2;
        #pragma acc parallel loop present(v[0:n])
        for (int i = start; i < n - 1; i += 2) {
            if (v[i] > v[i + 1]) {
                int t = v[i];
                v[i] = v[i + 1];
                v[i + 1] = t;
            }
        }
    }
}
