/* Streamcluster-like facility location (Rodinia streamcluster's pgain): points with a weight,
 * an assigned center and the cost of that assignment.  For each candidate x, one kernel
 * computes every point's cost to x and its switch_membership flag (with a sum reduction of
 * the gain), a second kernel accumulates, per open center, what closing it would cost
 * (atomic adds into the small `lower` array, brought back with update host), the host
 * decides which centers close and whether x opens, sends the flags back with update device,
 * and a third kernel reassigns the points.  Passes over the candidates repeat until one
 * opens nothing; the total cost is reduced into a one-element array on the device and read
 * with update host for the convergence test.  The point arrays are file-scope globals put
 * on the device by enter data in init_device() and taken off by exit data in
 * finalize_device().  A serial reference of the same algorithm runs on the host. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define NPOINTS 3000
#define DIM 8
#define MAXCENTERS 48
#define FACILITY_COST 60.0
#define NPASSES 6
#define NCAND 60

static float *coord;          /* NPOINTS * DIM, point-major */
static float *weight;         /* NPOINTS */
static float *cost;           /* cost of each point's assignment */
static int *assign;           /* index of the assigned center point */
static int *center_table;     /* center point -> slot in lower / is_closed */
static char *switch_membership;
static float *x_cost;         /* cost of each point to the candidate */
static double *lower;         /* per center slot: sum of (cost - x_cost) */
static char *is_closed;       /* per center slot */
static double *gl_cost;       /* one element: total cost of the current solution */

#define COORD(p, d) coord[(p) * DIM + (d)]

static void init_points(float *c, float *w)
{
    unsigned s = 12345u;
    for (int p = 0; p < NPOINTS; p++) {
        int blob = p % 9;
        for (int d = 0; d < DIM; d++) {
            s = s * 1103515245u + 12345u;
            float jitter = (float)((s >> 9) & 0xffff) / 65536.0f - 0.5f;
            c[p * DIM + d] = (float)((blob * (d + 3)) % 7) + 0.8f * jitter;
        }
        w[p] = 1.0f + (float)(p % 3);
    }
}

static void init_device(void)
{
    #pragma acc enter data copyin(coord[0:NPOINTS*DIM], weight[0:NPOINTS]) \
        create(cost[0:NPOINTS], assign[0:NPOINTS], center_table[0:NPOINTS], \
               switch_membership[0:NPOINTS], x_cost[0:NPOINTS], lower[0:MAXCENTERS], \
               is_closed[0:MAXCENTERS], gl_cost[0:1])
}

static void finalize_device(void)
{
    #pragma acc exit data copyout(assign[0:NPOINTS], cost[0:NPOINTS]) \
        delete(coord[0:NPOINTS*DIM], weight[0:NPOINTS], center_table[0:NPOINTS], \
               switch_membership[0:NPOINTS], x_cost[0:NPOINTS], lower[0:MAXCENTERS], \
               is_closed[0:MAXCENTERS], gl_cost[0:1])
}

#pragma acc routine seq
static float dist(int p1, int p2, const float *restrict c)
{
    float r = 0.0f;
    for (int d = 0; d < DIM; d++) {
        float t = c[p1 * DIM + d] - c[p2 * DIM + d];
        r += t * t;
    }
    return r;
}

static void assign_all_to(int first)
{
    #pragma acc parallel loop present(coord[0:NPOINTS*DIM], weight[0:NPOINTS], cost[0:NPOINTS], \
        assign[0:NPOINTS], center_table[0:NPOINTS])
    for (int i = 0; i < NPOINTS; i++) {
        cost[i] = dist(i, first, coord) * weight[i];
        assign[i] = first;
        center_table[i] = 0;
    }
}

static void total_cost(void)
{
    double sum = 0.0;
    #pragma acc parallel loop reduction(+:sum) present(cost[0:NPOINTS])
    for (int i = 0; i < NPOINTS; i++)
        sum += cost[i];
    #pragma acc serial present(gl_cost[0:1])
    gl_cost[0] = sum;
    #pragma acc update host(gl_cost[0:1])
}

/* returns 1 when x was opened */
static int pgain(int x, int *nslots)
{
    double gain = 0.0;
    int ns = *nslots;
    #pragma acc parallel loop present(lower[0:MAXCENTERS])
    for (int c = 0; c < MAXCENTERS; c++)
        lower[c] = 0.0;
    #pragma acc parallel loop reduction(+:gain) present(coord[0:NPOINTS*DIM], weight[0:NPOINTS], \
        cost[0:NPOINTS], switch_membership[0:NPOINTS], x_cost[0:NPOINTS])
    for (int i = 0; i < NPOINTS; i++) {
        float xc = dist(i, x, coord) * weight[i];
        x_cost[i] = xc;
        if (xc < cost[i]) {
            switch_membership[i] = 1;
            gain += cost[i] - xc;
        } else {
            switch_membership[i] = 0;
        }
    }
    #pragma acc parallel loop present(cost[0:NPOINTS], assign[0:NPOINTS], center_table[0:NPOINTS], \
        switch_membership[0:NPOINTS], x_cost[0:NPOINTS], lower[0:MAXCENTERS])
    for (int i = 0; i < NPOINTS; i++) {
        if (!switch_membership[i]) {
            int slot = center_table[assign[i]];
            double d = (double)cost[i] - (double)x_cost[i];
            #pragma acc atomic update
            lower[slot] += d;
        }
    }
    #pragma acc update host(lower[0:MAXCENTERS])

    double cost_of_opening_x = FACILITY_COST - gain;
    int nclose = 0;
    for (int c = 0; c < MAXCENTERS; c++)
        is_closed[c] = 0;
    for (int c = 1; c < ns; c++) { /* the first center never closes */
        if (lower[c] == 0.0)
            continue;
        double low = FACILITY_COST + lower[c];
        if (low > 0.0 && lower[c] < 0.0) {
            is_closed[c] = 1;
            cost_of_opening_x -= low;
            nclose++;
        }
    }
    if (cost_of_opening_x >= 0.0 || ns >= MAXCENTERS) {
        return 0;
    }
    center_table[x] = ns;
    *nslots = ns + 1;
    #pragma acc update device(is_closed[0:MAXCENTERS], center_table[x:1])
    #pragma acc parallel loop present(cost[0:NPOINTS], assign[0:NPOINTS], center_table[0:NPOINTS], \
        switch_membership[0:NPOINTS], x_cost[0:NPOINTS], is_closed[0:MAXCENTERS])
    for (int i = 0; i < NPOINTS; i++) {
        if (switch_membership[i] || is_closed[center_table[assign[i]]]) {
            cost[i] = x_cost[i];
            assign[i] = x;
        }
    }
    return 1;
}

/* ------------------------------------------------------------------ serial reference */
static int ref_pgain(int x, int ns, const float *c, const float *w, float *rc, int *ra, int *rct,
                     char *closed)
{
    double gain = 0.0, low[MAXCENTERS];
    float *xc = malloc(NPOINTS * sizeof(float));
    char *sw = malloc(NPOINTS);
    for (int s = 0; s < MAXCENTERS; s++) low[s] = 0.0, closed[s] = 0;
    for (int i = 0; i < NPOINTS; i++) {
        float r = 0.0f;
        for (int d = 0; d < DIM; d++) {
            float t = c[i * DIM + d] - c[x * DIM + d];
            r += t * t;
        }
        xc[i] = r * w[i];
        sw[i] = xc[i] < rc[i];
        if (sw[i]) gain += rc[i] - xc[i];
        else low[rct[ra[i]]] += (double)rc[i] - (double)xc[i];
    }
    double open = FACILITY_COST - gain;
    for (int s = 1; s < ns; s++) {
        if (low[s] == 0.0) continue;
        double l = FACILITY_COST + low[s];
        if (l > 0.0 && low[s] < 0.0) closed[s] = 1, open -= l;
    }
    int opened = 0;
    if (open < 0.0 && ns < MAXCENTERS) {
        rct[x] = ns;
        for (int i = 0; i < NPOINTS; i++)
            if (sw[i] || closed[rct[ra[i]]]) rc[i] = xc[i], ra[i] = x;
        opened = 1;
    }
    free(xc), free(sw);
    return opened;
}

static int candidate(int pass, int j)
{
    return (int)(((long)(pass * NCAND + j) * 7919 + 13) % NPOINTS);
}

int main(int argc, char **argv)
{
    coord = malloc(NPOINTS * DIM * sizeof(float));
    weight = malloc(NPOINTS * sizeof(float));
    cost = malloc(NPOINTS * sizeof(float));
    assign = malloc(NPOINTS * sizeof(int));
    center_table = malloc(NPOINTS * sizeof(int));
    switch_membership = malloc(NPOINTS);
    x_cost = malloc(NPOINTS * sizeof(float));
    lower = malloc(MAXCENTERS * sizeof(double));
    is_closed = malloc(MAXCENTERS);
    gl_cost = malloc(sizeof(double));
    init_points(coord, weight);

    init_device();
    int nslots = 1, pass, opened_total = 0;
    double prev = 1e300;
    assign_all_to(0);
    center_table[0] = 0;
    for (pass = 0; pass < NPASSES; pass++) {
        int opened = 0;
        for (int j = 0; j < NCAND; j++)
            opened += pgain(candidate(pass, j), &nslots);
        opened_total += opened;
        total_cost();
        if (opened == 0 || prev - gl_cost[0] < 1e-6 * prev)
            break;
        prev = gl_cost[0];
    }
    double final_cost = gl_cost[0];
    finalize_device();

    /* reference */
    float *rc = malloc(NPOINTS * sizeof(float));
    int *ra = malloc(NPOINTS * sizeof(int)), *rct = malloc(NPOINTS * sizeof(int));
    char rclosed[MAXCENTERS];
    int rslots = 1, ropened_total = 0;
    double rprev = 1e300, rfinal = 0.0;
    for (int i = 0; i < NPOINTS; i++) {
        float r = 0.0f;
        for (int d = 0; d < DIM; d++) {
            float t = coord[i * DIM + d] - coord[d];
            r += t * t;
        }
        rc[i] = r * weight[i], ra[i] = 0, rct[i] = 0;
    }
    for (int p = 0; p < NPASSES; p++) {
        int opened = 0;
        for (int j = 0; j < NCAND; j++) {
            int o = ref_pgain(candidate(p, j), rslots, coord, weight, rc, ra, rct, rclosed);
            rslots += o, opened += o;
        }
        ropened_total += opened;
        rfinal = 0.0;
        for (int i = 0; i < NPOINTS; i++) rfinal += rc[i];
        if (opened == 0 || rprev - rfinal < 1e-6 * rprev) break;
        rprev = rfinal;
    }
    int bad = 0;
    for (int i = 0; i < NPOINTS; i++)
        if (assign[i] != ra[i] || fabsf(cost[i] - rc[i]) > 1e-5f * (1.0f + rc[i])) bad++;
    if (fabs(final_cost - rfinal) > 1e-6 * (1.0 + rfinal) || opened_total != ropened_total) bad++;
    printf("centers opened %d (ref %d) passes %d cost %.4f (ref %.4f) mismatches %d\n",
           opened_total, ropened_total, pass + 1, final_cost, rfinal, bad);
    if (bad == 0)
        printf("VERIFIED\n");
    return bad != 0;
}
