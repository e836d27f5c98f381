/* Independent reference: the whole cost table, row by row, in one 2-D array. */
#include <stdlib.h>

int check_pathfinder(const int *wall, int rows, int cols, const int *result)
{
    long *table = malloc((size_t)rows * cols * sizeof *table);
    for (int j = 0; j < cols; j++)
        table[j] = wall[j];
    for (int r = 1; r < rows; r++)
        for (int j = 0; j < cols; j++) {
            long m = table[(long)(r - 1) * cols + j];
            for (int d = -1; d <= 1; d += 2) {
                int c = j + d;
                if (c >= 0 && c < cols && table[(long)(r - 1) * cols + c] < m)
                    m = table[(long)(r - 1) * cols + c];
            }
            table[(long)r * cols + j] = m + wall[(long)r * cols + j];
        }
    int bad = 0;
    for (int j = 0; j < cols; j++)
        bad += table[(long)(rows - 1) * cols + j] != result[j];
    free(table);
    return bad;
}
