/* Minimum-cost path through a grid of weights, top row to bottom row, each step going down
 * to one of the three cells below (dynamic programming over rows).  Row r's costs depend on
 * row r-1's only, so the host loop runs over the rows and a device kernel computes one row
 * from the previous into a second buffer; the two row buffers are swapped (pointers) after
 * every row.  Every `snap_every` rows the host brings the current row back (update self) to
 * record its minimum, as a progress trace.  The weights are copied in once, the buffers are
 * device-only until the last row. */
#define DP_MAX_SNAPS 256

static double snap_min[DP_MAX_SNAPS];
static int snap_count;

static void first_row(int cols, const int *restrict weight, double *restrict cur)
{
    #pragma acc parallel loop present(weight[0:cols], cur[0:cols])
    for (int j = 0; j < cols; j++)
        cur[j] = weight[j];
}

static void next_row(int cols, int r, const int *restrict weight, const double *restrict prev,
                     double *restrict cur, double diag_penalty)
{
    #pragma acc parallel loop present(weight[r*cols:cols], prev[0:cols], cur[0:cols])
    for (int j = 0; j < cols; j++) {
        double best = prev[j];
        if (j > 0 && prev[j - 1] + diag_penalty < best)
            best = prev[j - 1] + diag_penalty;
        if (j < cols - 1 && prev[j + 1] + diag_penalty < best)
            best = prev[j + 1] + diag_penalty;
        cur[j] = best + weight[r * cols + j];
    }
}

static void record_snapshot(int cols, const double *row)
{
    double m = row[0];
    for (int j = 1; j < cols; j++)
        if (row[j] < m)
            m = row[j];
    if (snap_count < DP_MAX_SNAPS)
        snap_min[snap_count++] = m;
}

/* Fills out[0:cols] with the cheapest path cost ending at each bottom cell; returns the
 * number of snapshots taken (their minima in snaps[]). */
int path_costs(int rows, int cols, const int *restrict weight, double diag_penalty,
               int snap_every, double *restrict buf_a, double *restrict buf_b,
               double *restrict out, double *restrict snaps)
{
    double *prev = buf_a, *cur = buf_b;
    snap_count = 0;
    #pragma acc data copyin(weight[0:rows*cols]) create(buf_a[0:cols], buf_b[0:cols])
    {
        first_row(cols, weight, prev);
        for (int r = 1; r < rows; r++) {
            next_row(cols, r, weight, prev, cur, diag_penalty);
            if (r % snap_every == 0) {
                #pragma acc update self(cur[0:cols])
                record_snapshot(cols, cur);
            }
            double *t = prev;
            prev = cur;
            cur = t;
        }
        #pragma acc update self(prev[0:cols])
    }
    for (int j = 0; j < cols; j++)
        out[j] = prev[j];
    for (int s = 0; s < snap_count; s++)
        snaps[s] = snap_min[s];
    return snap_count;
}
