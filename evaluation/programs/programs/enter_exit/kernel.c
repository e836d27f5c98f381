/* Unstructured data lifetimes: the field is put on the device once, several functions work
 * on it with present, and the result is copied out at the end. */
static double *field;
static int len;

void field_init(double *f, int n)
{
    field = f;
    len = n;
    #pragma acc enter data copyin(f[0:n])
}

void field_scale(double s)
{
    double *f = field;
    int n = len;
    #pragma acc parallel loop present(f[0:n])
    for (int i = 0; i < n; i++)
        f[i] *= s;
}

void field_smooth(double *tmp)
{
    double *f = field;
    int n = len;
    #pragma acc data create(tmp[0:n])
    {
        #pragma acc parallel loop present(f[0:n], tmp[0:n])
        for (int i = 1; i < n - 1; i++)
            tmp[i] = (f[i - 1] + 2.0 * f[i] + f[i + 1]) * 0.25;
        #pragma acc parallel loop present(f[0:n], tmp[0:n])
        for (int i = 1; i < n - 1; i++)
            f[i] = tmp[i];
    }
}

void field_finish(void)
{
    double *f = field;
    int n = len;
    #pragma acc exit data copyout(f[0:n])
}
