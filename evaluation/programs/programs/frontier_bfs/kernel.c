/* Level-synchronous breadth-first search over an undirected graph in CSR form.  Each level
 * is one device pass in "pull" form: every node not yet reached looks at its neighbours and
 * joins the next frontier when one of them is in the current one (each node writes only its
 * own entries, so the pass has no write conflicts); a reduction counts the nodes reached.
 * The frontier flags live in file-scope arrays; the host loop runs while a level reached
 * something, seeds the source by updating two single elements and keeps the level sizes. */
#define BFS_MAX_NODES 65536

static int in_frontier[BFS_MAX_NODES]; /* 1: the node was reached at the current level */
static int in_next[BFS_MAX_NODES];     /* 1: the node is reached at the level being built */

static void reset_levels(int n, int *restrict dist)
{
    #pragma acc parallel loop present(dist[0:n], in_frontier[0:n], in_next[0:n])
    for (int v = 0; v < n; v++) {
        dist[v] = -1;
        in_frontier[v] = 0;
        in_next[v] = 0;
    }
}

/* one level: returns how many nodes it reached */
static int pull_level(int n, int m, const int *restrict rowptr, const int *restrict adj,
                      int *restrict dist, int level)
{
    int reached = 0;
    #pragma acc parallel loop gang vector reduction(+:reached) \
        present(rowptr[0:n+1], adj[0:m], dist[0:n], in_frontier[0:n], in_next[0:n])
    for (int v = 0; v < n; v++) {
        int hit = 0;
        if (dist[v] < 0) {
            #pragma acc loop seq
            for (int e = rowptr[v]; e < rowptr[v + 1]; e++)
                hit |= in_frontier[adj[e]];
            if (hit) {
                dist[v] = level + 1;
                reached++;
            }
        }
        in_next[v] = hit;
    }
    return reached;
}

static void advance_frontier(int n)
{
    #pragma acc parallel loop present(in_frontier[0:n], in_next[0:n])
    for (int v = 0; v < n; v++)
        in_frontier[v] = in_next[v];
}

/* Distances from `source` (-1: unreachable); level_size[l] gets the number of nodes at
 * distance l.  Returns the number of levels. */
int bfs_levels(int n, int m, const int *restrict rowptr, const int *restrict adj, int source,
               int *restrict dist, int *restrict level_size)
{
    int levels = 0;
    #pragma acc enter data copyin(rowptr[0:n+1], adj[0:m]) create(dist[0:n], \
        in_frontier[0:n], in_next[0:n])
    reset_levels(n, dist);
    dist[source] = 0;
    in_frontier[source] = 1;
    #pragma acc update device(dist[source:1], in_frontier[source:1])
    level_size[levels++] = 1;
    int changed = 1;
    while (changed) {
        int reached = pull_level(n, m, rowptr, adj, dist, levels - 1);
        changed = reached > 0;
        if (changed) {
            level_size[levels++] = reached;
            advance_frontier(n);
        }
    }
    #pragma acc exit data copyout(dist[0:n]) delete(rowptr[0:n+1], adj[0:m], in_frontier[0:n], \
        in_next[0:n])
    return levels;
}
