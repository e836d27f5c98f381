#include <stdio.h>
#include <stdlib.h>

int bfs_levels(int n, int m, const int *restrict rowptr, const int *restrict adj, int source,
               int *restrict dist, int *restrict level_size);

/* undirected graph: a ring of clusters plus pseudo-random long edges, stored both ways */
static int build_graph(int n, int **rowptr_out, int **adj_out)
{
    int ne = 0, cap = 8 * n;
    int *eu = malloc(cap * sizeof *eu), *ev = malloc(cap * sizeof *ev);
    unsigned s = 12345u;
    for (int v = 0; v < n; v++) {
        if (v % 97 != 0) { eu[ne] = v; ev[ne++] = (v + 1) % n; }
        s = s * 1103515245u + 12345u;
        if ((s >> 16) % 3 == 0) { eu[ne] = v; ev[ne++] = (int)((s >> 4) % (unsigned)n); }
        if (v % 11 == 0 && v + 50 < n) { eu[ne] = v; ev[ne++] = v + 50; }
    }
    int *deg = calloc(n + 1, sizeof *deg);
    for (int e = 0; e < ne; e++) { deg[eu[e]]++; deg[ev[e]]++; }
    int *rp = malloc((n + 1) * sizeof *rp);
    rp[0] = 0;
    for (int v = 0; v < n; v++) rp[v + 1] = rp[v] + deg[v];
    int *adj = malloc(rp[n] * sizeof *adj), *fill = calloc(n, sizeof *fill);
    for (int e = 0; e < ne; e++) {
        adj[rp[eu[e]] + fill[eu[e]]++] = ev[e];
        adj[rp[ev[e]] + fill[ev[e]]++] = eu[e];
    }
    free(eu); free(ev); free(deg); free(fill);
    *rowptr_out = rp;
    *adj_out = adj;
    return rp[n];
}

int main(void)
{
    int n = 20000, source = 17;
    int *rp, *adj;
    int m = build_graph(n, &rp, &adj);
    int *dist = malloc(n * sizeof *dist), *sizes = malloc(n * sizeof *sizes);
    int levels = bfs_levels(n, m, rp, adj, source, dist, sizes);
    /* serial reference: queue-based BFS */
    int *rd = malloc(n * sizeof *rd), *queue = malloc(n * sizeof *queue);
    for (int v = 0; v < n; v++) rd[v] = -1;
    int head = 0, tail = 0;
    rd[source] = 0;
    queue[tail++] = source;
    while (head < tail) {
        int v = queue[head++];
        for (int e = rp[v]; e < rp[v + 1]; e++)
            if (rd[adj[e]] < 0) { rd[adj[e]] = rd[v] + 1; queue[tail++] = adj[e]; }
    }
    int maxd = 0, bad = 0;
    for (int v = 0; v < n; v++) { bad += dist[v] != rd[v]; if (rd[v] > maxd) maxd = rd[v]; }
    bad += levels != maxd + 1;
    for (int l = 0; l < levels && l <= maxd; l++) {
        int c = 0;
        for (int v = 0; v < n; v++) c += rd[v] == l;
        bad += sizes[l] != c;
    }
    printf("edges %d levels %d (reference %d) reached %d\n", m, levels, maxd + 1, tail);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    return 0;
}
