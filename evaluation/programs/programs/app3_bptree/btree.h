#ifndef BTREE_H
#define BTREE_H
#define DEFAULT_ORDER 32

typedef struct record {
    int value;
} record;

/* a node of the tree flattened for the device (Rodinia b+tree's knode) */
typedef struct knode {
    int location;
    int indices[DEFAULT_ORDER + 1];
    int keys[DEFAULT_ORDER + 1];
    int is_leaf;
    int num_keys;
} knode;

void kernel_findK(record *records, long records_elem, knode *knodes, long knodes_elem,
                  int order, long maxheight, int count, long *currKnode, long *offset,
                  int *keys, record *ans);
void kernel_findRangeK(knode *knodes, long knodes_elem, int order, long maxheight, int count,
                       long *currKnode, long *offset, long *lastKnode, long *offset_2,
                       int *start, int *end, int *recstart, int *reclength);
#endif
