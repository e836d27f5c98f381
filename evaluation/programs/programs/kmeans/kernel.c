/* k-means clustering (Lloyd's algorithm): the device assigns every point to its nearest
 * centroid and counts the points that changed cluster (a reduction); the host brings the
 * membership back (update self), recomputes the centroids and sends them to the device
 * (update device) for the next iteration, until no point moves.  The host copies of the
 * centroids and the membership are current after every iteration, so they are only copied in. */
int kmeans(int n, int dim, int k, int max_iter, const double *restrict pts,
           double *restrict cent, int *restrict member, int *restrict count)
{
    int iter = 0, moved = n;
    #pragma acc data copyin(pts[0:n*dim], cent[0:k*dim], member[0:n])
    while (moved > 0 && iter < max_iter) {
        moved = 0;
        #pragma acc parallel loop gang vector reduction(+:moved) \
            present(pts[0:n*dim], cent[0:k*dim], member[0:n])
        for (int i = 0; i < n; i++) {
            int best = 0;
            double best_d = 1e300;
            #pragma acc loop seq
            for (int c = 0; c < k; c++) {
                double dist = 0.0;
                #pragma acc loop seq
                for (int f = 0; f < dim; f++) {
                    double diff = pts[i * dim + f] - cent[c * dim + f];
                    dist += diff * diff;
                }
                if (dist < best_d) {
                    best_d = dist;
                    best = c;
                }
            }
            if (member[i] != best) {
                moved++;
                member[i] = best;
            }
        }
        #pragma acc update self(member[0:n])
        for (int c = 0; c < k * dim; c++)
            cent[c] = 0.0;
        for (int c = 0; c < k; c++)
            count[c] = 0;
        for (int i = 0; i < n; i++) {
            count[member[i]]++;
            for (int f = 0; f < dim; f++)
                cent[member[i] * dim + f] += pts[i * dim + f];
        }
        for (int c = 0; c < k; c++)
            for (int f = 0; f < dim; f++)
                cent[c * dim + f] = count[c] ? cent[c * dim + f] / count[c] : pts[c * dim + f];
        #pragma acc update device(cent[0:k*dim])
        iter++;
    }
    return iter;
}
