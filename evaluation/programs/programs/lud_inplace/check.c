/* Independent check: multiply the unit lower factor by the upper factor (both read from the
 * packed result) in double and compare with the input matrix. */
#include <math.h>

int check_lu(const float *orig, const float *lu, int n)
{
    int bad = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0.0;
            int top = i < j ? i : j;
            for (int k = 0; k <= top; k++) {
                double l = k == i ? 1.0 : lu[i * n + k];
                s += l * lu[k * n + j];
            }
            double ref = orig[i * n + j];
            bad += fabs(s - ref) > 1e-3 * (1.0 + fabs(ref));
        }
    return bad;
}
