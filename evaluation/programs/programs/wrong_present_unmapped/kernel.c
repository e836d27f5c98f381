/* WRONG: present() for arrays that no data region, enter data or declare put on the device
 * (aborts on a GPU). */
void shift(int n, const float *a, float *b)
{
    #pragma acc parallel loop present(a[0:n], b[0:n])
    for (int i = 0; i < n; i++)
        b[i] = a[i] + 1.0f;
}
