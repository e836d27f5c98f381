/* Pathfinder-shaped dynamic programming in one file: a grid of step costs, the cheapest path
 * from the top row to each cell of the bottom row moving down one row at a time (straight or
 * one column aside).  Two row buffers, swapped by pointer after every row, stay on the
 * device for the whole sweep; the final row is brought back once. */
#include <stdio.h>
#include <stdlib.h>

int check_pathfinder(const int *wall, int rows, int cols, const int *result);

static void fill_wall(int *wall, int rows, int cols, unsigned seed)
{
    unsigned s = seed;
    for (int i = 0; i < rows * cols; i++) {
        s = s * 1103515245u + 12345u;
        wall[i] = (int)((s >> 16) % 10u);
    }
}

static void run(const int *wall, int rows, int cols, int *result)
{
    int *src = malloc(cols * sizeof *src);
    int *dst = malloc(cols * sizeof *dst);
    for (int j = 0; j < cols; j++)
        src[j] = wall[j];
    #pragma acc data copyin(wall[0:rows*cols], src[0:cols]) create(dst[0:cols])
    {
        for (int r = 1; r < rows; r++) {
            #pragma acc parallel loop present(wall[0:rows*cols], src[0:cols], dst[0:cols])
            for (int j = 0; j < cols; j++) {
                int best = src[j];
                if (j > 0 && src[j - 1] < best)
                    best = src[j - 1];
                if (j < cols - 1 && src[j + 1] < best)
                    best = src[j + 1];
                dst[j] = wall[r * cols + j] + best;
            }
            int *tmp = src;
            src = dst;
            dst = tmp;
        }
        #pragma acc update self(src[0:cols])
    }
    for (int j = 0; j < cols; j++)
        result[j] = src[j];
    free(src);
    free(dst);
}

int main(int argc, char **argv)
{
    int cols = argc > 1 ? atoi(argv[1]) : 1500;
    int rows = argc > 2 ? atoi(argv[2]) : 301;
    unsigned seed = argc > 3 ? (unsigned)atoi(argv[3]) : 7u;
    if (rows < 1 || cols < 1) {
        fprintf(stderr, "usage: %s [cols rows seed]\n", argv[0]);
        return 1;
    }
    int *wall = malloc((size_t)rows * cols * sizeof *wall);
    int *result = malloc(cols * sizeof *result);
    fill_wall(wall, rows, cols, seed);
    run(wall, rows, cols, result);
    long best = result[0], sum = 0;
    for (int j = 0; j < cols; j++) {
        sum += result[j];
        if (result[j] < best)
            best = result[j];
    }
    printf("cheapest %ld, sum %ld\n", best, sum);
    int bad = check_pathfinder(wall, rows, cols, result);
    printf(bad ? "FAILED %d\n" : "VERIFIED\n", bad);
    free(wall);
    free(result);
    return 0;
}
