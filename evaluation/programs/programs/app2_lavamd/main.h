#ifndef LAVAMD_MAIN_H
#define LAVAMD_MAIN_H
#define NUMBER_PAR_PER_BOX 24

typedef struct { double x, y, z; } THREE_VECTOR;
typedef struct { double v, x, y, z; } FOUR_VECTOR;

typedef struct nei_str {
    int x, y, z;
    int number;
    long offset;
} nei_str;

typedef struct box_str {
    int x, y, z;
    int number;
    long offset;
    int nn;
    nei_str nei[26];
} box_str;

typedef struct par_str { double alpha; } par_str;

typedef struct dim_str {
    int boxes1d_arg;
    long number_boxes;
    long box_mem;
    long space_elem;
    long space_mem;
    long space_mem2;
} dim_str;

void kernel_cpu(par_str par, dim_str dim, box_str *box, FOUR_VECTOR *rv, double *qv,
                FOUR_VECTOR *fv);
int check_forces(const dim_str *dim, const FOUR_VECTOR *rv, const double *qv,
                 const FOUR_VECTOR *fv, double alpha);
#endif
