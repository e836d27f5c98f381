/* All-pairs shortest path lengths by relaxing through one intermediate vertex at a time,
 * in place on the distance matrix.  Pass k reads row k and column k, which pass k does not
 * change (D[k][k] = 0), so the (i, j) loops of a pass are independent; the pass loop is
 * carried and stays on the host.  Then the lengths of the reachable pairs are summed. */
#define UNREACHABLE 100000000

long shortest_paths(int n, int D[n][n])
{
    long total = 0;
    #pragma acc data copy(D[0:n][0:n])
    {
        for (int k = 0; k < n; k++) {
            #pragma acc parallel loop gang present(D[0:n][0:n])
            for (int i = 0; i < n; i++) {
                int dik = D[i][k];
                #pragma acc loop vector
                for (int j = 0; j < n; j++) {
                    int via = dik + D[k][j];
                    if (via < D[i][j])
                        D[i][j] = via;
                }
            }
        }
        #pragma acc parallel loop collapse(2) reduction(+:total) present(D[0:n][0:n])
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (D[i][j] < UNREACHABLE)
                    total += D[i][j];
    }
    return total;
}
