/* accrt.h -- the OpenACC emulation runtime of accellium's dynamic evaluation (MIT licence).
 *
 * Included first (gcc -include) in every translation unit that the OpenACC-to-OpenMP translator
 * produced.  It keeps a present table with a SEPARATE device copy of every mapped host range
 * (compute regions work on the device copies; copyin/copyout/update move bytes and count them),
 * runs gangs and vector lanes as OpenMP teams with iteration orders chosen per run, and writes
 * a JSON report (bytes moved per construct, present errors, races seen) to $ACCRT_REPORT.
 * The functions are compiled once (this file with -DACCRT_IMPL) and linked in.
 * Environment: ACCRT_GANGS, ACCRT_LANES (team sizes), ACCRT_ORDER (0 forward, 1 reverse,
 * 2 scrambled), ACCRT_SERIAL (1: one thread runs all gangs and lanes in turn), ACCRT_UNIFIED
 * (1: the device copy IS host memory: tells data errors from races), ACCRT_REPORT (path).
 * Bounds: the runtime interposes malloc/calloc/realloc/free (posix_memalign, aligned_alloc,
 * memalign) and keeps the live heap blocks; a data clause or update whose section overlaps a
 * block without lying inside it stops the run (exit 96), as a GPU would copy memory the
 * program does not own.  Sections of arrays (stack, global, array members) are checked
 * against sizeof the array by the translator's code (accrt_bounds_obj).  Not checked: a
 * section that lies wholly outside every tracked block and is not of an array (memory from
 * mmap, a pointer into the stack).
 */
#ifndef ACCRT_H
#define ACCRT_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <float.h>
#include <math.h>
#include <omp.h>
#include <unistd.h>
#ifdef __cplusplus
/* A C++ translation unit (the translator rewrites C++ files as it does C ones): the runtime's
 * functions keep C linkage (they are compiled once as C), and the three macros that C spells
 * with C-only operators (_Generic, __builtin_types_compatible_p) use the C++ type traits. */
#include <limits>
#include <type_traits>
extern "C" {
#endif

enum { ACCRT_COPY = 1, ACCRT_COPYIN, ACCRT_COPYOUT, ACCRT_CREATE, ACCRT_PRESENT, ACCRT_NO_CREATE,
       ACCRT_DEVICEPTR, ACCRT_DELETE };
enum { ACCRT_PARALLEL = 1, ACCRT_KERNELS, ACCRT_SERIAL_C, ACCRT_DATA };
enum { ACCRT_K_SHARED = 0, ACCRT_K_FP = 1 };
enum { ACCRT_M_RED = 1, ACCRT_M_DEFPRESENT = 2 };

typedef struct {
  char *host; size_t bytes; char *dev; long sref, dref; int line; char name[48];
} accrt_entry;
typedef struct { int line; const char *file; unsigned long long h2d, d2h, count; } accrt_site;
typedef struct { accrt_entry *e; int kind; } accrt_scoped;

typedef struct {
  accrt_entry *tab; int ntab, cap;
  accrt_scoped *scope; int nscope, capscope;
  int *marks; int nmarks, capmarks;
  accrt_site sites[512]; int nsites;
  unsigned long long h2d, d2h;
  int gangs, lanes, order, serial, unified, inited;
  int poison; /* the byte fresh device memory is filled with (ACCRT_POISON) */
  const char *report;
  char races[4][200]; int nraces;
  char errors[2][300]; int nerrors;
  long epoch;
  int incompute;
  struct { void **pp; const void *section; int empty; unsigned long construct; } bind[64];
  int nbind;
  unsigned long constructs; /* accrt_begin calls so far: which construct a binding was made by */
  /* device-only memory (acc_malloc, OpenACC 3.3 3.2.24): no host copy, no present entry */
  struct accrt_devblk { char *p; size_t n, mapped; } *devmem; int ndevmem, capdevmem;
} accrt_state;

extern accrt_state accrt_S;
extern __thread int accrt_tls_gang;
extern __thread int accrt_tls_ngang;
extern const char *accrt_cur_file;
extern int accrt_cur_line;

#ifdef __cplusplus
/* a pointer object, not an array (which would decay) nor a reference to one; its type
 * class, not std::is_pointer, which a `__restrict` qualifier defeats (remove_cv keeps it) */
#define ACCRT_ISPTR(x) (!std::is_array<typename std::remove_reference<decltype(x)>::type>::value \
  && __builtin_classify_type(x) == 5)
#else
#define ACCRT_ISPTR(x) (__builtin_classify_type(x) == 5 && \
  __builtin_types_compatible_p(__typeof__(x), __typeof__(1 ? (x) : (x))))
#endif
#define ACCRT_SLOT(x) (sizeof(x) <= 256 ? sizeof(x) : 1)

static inline int accrt_envi(const char *k, int d) {
  const char *v = getenv(k); return v && *v ? atoi(v) : d;
}

void accrt_write_report(void);

void accrt_init(void);

/* A fatal error as a GPU run would meet it: message, report, exit status 97 (present) or 98. */
void accrt_fatal(int code, const char *msg);

accrt_site *accrt_site_of(const char *file, int line);

static inline void accrt_move(char *dst, const char *src, size_t n, int h2d) {
  accrt_state *S = &accrt_S;
  accrt_site *s = accrt_site_of(accrt_cur_file ? accrt_cur_file : "?", accrt_cur_line);
  if (h2d) { S->h2d += n; s->h2d += n; } else { S->d2h += n; s->d2h += n; }
  if (!S->unified && n && dst != src) memcpy(dst, src, n);
}

/* entry whose host range contains [p, p+n) (n == 0: contains p, one past the end allowed) */
accrt_entry *accrt_find(const void *p, size_t n, int partial);
accrt_entry *accrt_find_dev(const void *p);
static inline void *accrt_devaddr(accrt_entry *e, const void *p) {
  return e->dev + ((const char *)p - e->host);
}

accrt_entry *accrt_alloc(void *p, size_t n, const char *name, int line);
void accrt_free_entry(accrt_entry *e);

static inline void accrt_escape(char *dst, size_t cap, const char *src) {
  snprintf(dst, cap, "%s", src);
  for (char *c = dst; *c; c++) if (*c == '"' || *c == '\\') *c = '\'';
}

void accrt_push_scoped(accrt_entry *e, int kind);

/* Structured (dynamic = 0) or dynamic (enter data) data clause on [p, p+n). */
void accrt_data(int kind, void *p, size_t n, int dynamic, const char *text, int line);

/* exit data copyout/delete: dynamic reference count down, copy back and free at zero. */
void accrt_exit_data(int kind, void *p, size_t n, int finalize, const char *text, int line);

void accrt_update(int to_device, void *p, size_t n, int if_present, const char *text, int line);

/* The section [p, p+n) must lie inside the heap block it overlaps (exit 96 otherwise). */
void accrt_bounds_heap(const void *p, size_t n, const char *text, int line);
/* The section [p, p+n) of an array object [obj, obj+objn) must lie inside it (exit 96). */
void accrt_bounds_obj(const void *p, size_t n, const void *obj, size_t objn, const char *text,
                      int line);

/* Rows of a pointer-to-pointer section a[l1:n1][l2:n2]: each row is mapped, then the pointer
 * array itself, whose device copy gets the rows' device addresses (attach). */
void accrt_data_rows(int kind, void **rows, long nrows, size_t off, size_t rowbytes,
                             int dynamic, int exit_kind, const char *text, int line);

/* A pointer stored in device memory (an array of row pointers, a struct member) gets the
 * device address of the data it points to, as OpenACC's attach does. */
/* The device address a pointer holding host address v is attached to for the mapped section
 * that starts at ``section`` (NULL: none): inside the present data that holds v, or, where the
 * section starts after v (p->x[1:n]), biased from the section's device copy as gcc attaches it
 * (the clause's bias: OpenACC 3.3, 2.6.8).  NULL when neither is present. */
static inline void *accrt_attached(const void *v, const void *section) {
  accrt_entry *t = accrt_find(v, 0, 0);
  if (t) return accrt_devaddr(t, v);
  if (!section || (const char *)section <= (const char *)v) return NULL;
  t = accrt_find(section, 0, 0);
  return t ? (char *)accrt_devaddr(t, section) - ((const char *)section - (const char *)v) : NULL;
}
static inline void accrt_attach(void **pp, const void *section) {
  accrt_entry *e = accrt_find(pp, sizeof(void *), 0);
  if (!e || accrt_S.unified || !*pp) return;
  void *d = accrt_attached(*pp, section);
  if (d) memcpy(accrt_devaddr(e, pp), &d, sizeof d);
}

/* A pointer member of an object's device copy that the region dereferences (s.x[i] of a
 * struct variable s, p->x[i] of the object p points to): it must hold NULL or a device
 * address (attached: a section s.x[lo:len] mapped while s was present).  A host address there
 * is what a GPU kernel faults on (exit 98), as for a pointer mapped by itself. */
void accrt_member_ptr(const void *slot, const char *name, int line);

/* A section of a pointer variable (p[lo:len]) was mapped: inside compute regions the pointer
 * is translated relative to that section, even where it points before it (gcc's bias).
 * ``bytes`` 0: the section is empty (nothing mapped); the construct that named it binds the
 * pointer to a null device address instead of failing (OpenACC 3.3, 2.7.1). */
void accrt_bind_ptr(void **pp, const void *section, size_t bytes);

void accrt_begin(const char *file, int line);

void accrt_end(const char *file, int line);

/* The storage a compute construct uses for variable V (address p, size n).  Present data:
 * its device copy.  A pointer: a slot holding the device address it points to (error if it
 * points to host memory that is not present).  An array or struct not present: implicit copy.
 * A scalar: firstprivate (a slot copy) in parallel/serial, copy in kernels. */
void *accrt_var(void *p, size_t n, int isptr, int cls, void *slot, int *kind, int construct,
                        int mode, const char *name, int line);
/* A gang's (or lane's) own copy of a firstprivate variable. */
static inline void *accrt_fp(const void *p, void *buf, size_t n, int kind) {
  if (kind != ACCRT_K_FP || n > 256) return (void *)p; /* a const variable's storage: read only */
  memcpy(buf, p, n);
  return buf;
}

/* ---- teams and iteration orders ---------------------------------------------------------- */
static inline int accrt_ngangs(long requested) {
  int g = accrt_S.gangs;
  if (requested > 0 && requested < g) g = (int)requested;
  return g;
}
static inline int accrt_nlanes(void) { return accrt_S.lanes; }
static inline int accrt_threads(int n) { return accrt_S.serial ? 1 : n; }
static inline int accrt_pick(int i, int n) { return accrt_S.order == 1 ? n - 1 - i : i; }
static inline long long accrt_trip(long long lo, long long hi, long long st, int cmp) {
  if (st == 0) return 0;
  switch (cmp) {
  case 0: return hi > lo && st > 0 ? (hi - lo + st - 1) / st : 0;          /* <  */
  case 1: return hi >= lo && st > 0 ? (hi - lo) / st + 1 : 0;              /* <= */
  case 2: return lo > hi && st < 0 ? (lo - hi + (-st) - 1) / (-st) : 0;    /* >  */
  case 3: return lo >= hi && st < 0 ? (lo - hi) / (-st) + 1 : 0;           /* >= */
  default: return (hi - lo) % st == 0 && (hi - lo) / st > 0 ? (hi - lo) / st : 0; /* != */
  }
}
static inline long long accrt_perm(long long k, long long n) {
  switch (accrt_S.order) {
  case 1: return n - 1 - k;
  case 2: {
    static const unsigned long long P[] = {1000003ULL, 999983ULL, 998244353ULL};
    int j = 0;
    while (j < 2 && n % (long long)P[j] == 0) j++;
    return (long long)(((unsigned long long)k * P[j] + 7ULL) % (unsigned long long)n);
  }
  default: return k;
  }
}
/* the [c0, c1) block of the logical iterations that the current gang owns */
static inline void accrt_gang_chunk(long long n, int gang_level, long long *c0, long long *c1) {
  int g = accrt_tls_gang, G = accrt_tls_ngang;
  if (!gang_level || g < 0 || G <= 1) { *c0 = 0; *c1 = n; return; }
  *c0 = (long long)g * n / G; *c1 = (long long)(g + 1) * n / G;
}
static inline void accrt_set_gang(int g, int G) { accrt_tls_gang = g; accrt_tls_ngang = G; }

void accrt_race(const char *name, int line);


/* Device-only memory is readable and writable only while a compute region runs (host code
 * that dereferences it faults, as on a GPU): accrt_devmem_access opens (1) or closes (0) it. */
void accrt_devmem_access(int open);
static inline void accrt_compute_begin(void) {
  if (accrt_S.incompute++ == 0 && accrt_S.ndevmem) accrt_devmem_access(1);
  accrt_S.epoch++;
}
static inline void accrt_compute_end(void) {
  if (--accrt_S.incompute == 0 && accrt_S.ndevmem) accrt_devmem_access(0);
}
/* The entry of a program function that is not an acc routine: it has no device version
 * (OpenACC 3.3, 2.15.1), so running it while a compute region runs fails as the GPU build's
 * link does (exit 94). */
static inline void accrt_host_only(const char *name, int line) {
  if (accrt_S.incompute) {
    char m[240];
    snprintf(m, sizeof m, "function '%s' (line %d) runs in a compute region but is not an acc "
             "routine (a GPU build fails to link)", name, line);
    accrt_fatal(94, m);
  }
}
static inline int accrt_lanes_here(void) { return accrt_S.incompute ? accrt_S.lanes : 1; }

/* Write check of one vector-partitioned loop instance: the first writes of each lane are
 * recorded (address -> iteration); the same address written by two iterations is a race. */
#define ACCRT_WSLOTS 512
#define ACCRT_WLIMIT 64
typedef struct { const void *a[ACCRT_WSLOTS]; long long it[ACCRT_WSLOTS]; int n; int lock; } accrt_wtab;
static inline void accrt_wtab_init(accrt_wtab *t) { memset(t->a, 0, sizeof t->a); t->n = 0; t->lock = 0; }
static inline void accrt_wr(accrt_wtab *t, const void *addr, long long it, int *count,
                            const char *name, int line) {
  if (++*count > ACCRT_WLIMIT) return;
  unsigned long long h = ((unsigned long long)(size_t)addr >> 2) * 0x9E3779B97F4A7C15ULL;
  unsigned idx = (unsigned)(h >> 55) % ACCRT_WSLOTS;
  int race = 0;
  while (__atomic_exchange_n(&t->lock, 1, __ATOMIC_ACQUIRE)) { }
  for (int probe = 0; probe < ACCRT_WSLOTS; probe++) {
    unsigned j = (idx + probe) % ACCRT_WSLOTS;
    if (t->a[j] == addr) { if (t->it[j] != it) race = 1; break; }
    if (t->a[j] == NULL) {
      if (t->n < ACCRT_WSLOTS * 3 / 4) { t->a[j] = addr; t->it[j] = it; t->n++; }
      break;
    }
  }
  __atomic_store_n(&t->lock, 0, __ATOMIC_RELEASE);
  if (race) accrt_race(name, line);
}

/* ---- reductions --------------------------------------------------------------------------- */
#ifndef __cplusplus
#define ACCRT_MAXID(x) _Generic((x), float: -HUGE_VALF, double: -HUGE_VAL, long double: -HUGE_VALL, \
  char: CHAR_MIN, signed char: SCHAR_MIN, unsigned char: 0, short: SHRT_MIN, unsigned short: 0, \
  int: INT_MIN, unsigned: 0U, long: LONG_MIN, unsigned long: 0UL, long long: LLONG_MIN, \
  unsigned long long: 0ULL, default: 0)
#define ACCRT_MINID(x) _Generic((x), float: HUGE_VALF, double: HUGE_VAL, long double: HUGE_VALL, \
  char: CHAR_MAX, signed char: SCHAR_MAX, unsigned char: UCHAR_MAX, short: SHRT_MAX, \
  unsigned short: USHRT_MAX, int: INT_MAX, unsigned: UINT_MAX, long: LONG_MAX, \
  unsigned long: ULONG_MAX, long long: LLONG_MAX, unsigned long long: ULLONG_MAX, default: 0)
#endif
#define ACCRT_ID_ADD(x) 0
#define ACCRT_ID_MUL(x) 1
#define ACCRT_ID_MAX(x) ACCRT_MAXID(x)
#define ACCRT_ID_MIN(x) ACCRT_MINID(x)
#define ACCRT_ID_BAND(x) (~0)
#define ACCRT_ID_BOR(x) 0
#define ACCRT_ID_BXOR(x) 0
#define ACCRT_ID_LAND(x) 1
#define ACCRT_ID_LOR(x) 0
#define ACCRT_CB_ADD(a, b) ((a) += (b))
#define ACCRT_CB_MUL(a, b) ((a) *= (b))
#define ACCRT_CB_MAX(a, b) ((b) > (a) ? ((a) = (b)) : (a))
#define ACCRT_CB_MIN(a, b) ((b) < (a) ? ((a) = (b)) : (a))
#define ACCRT_CB_BAND(a, b) ((a) &= (b))
#define ACCRT_CB_BOR(a, b) ((a) |= (b))
#define ACCRT_CB_BXOR(a, b) ((a) ^= (b))
#define ACCRT_CB_LAND(a, b) ((a) = (a) && (b))
#define ACCRT_CB_LOR(a, b) ((a) = (a) || (b))

/* ---- the OpenACC runtime API calls that move data ------------------------------------------ */
void *accrt_api_copyin(void *p, size_t n);
void *accrt_api_create(void *p, size_t n);
void accrt_api_copyout(void *p, size_t n);
void accrt_api_delete(void *p, size_t n);
void accrt_api_update_device(void *p, size_t n);
void accrt_api_update_self(void *p, size_t n);
int accrt_api_is_present(void *p, size_t n);
/* OpenACC 3.3 3.2.24-3.2.27, 3.2.32-3.2.33: device memory the program allocates itself, and the
 * device address of a present host range.  Such an address is usable in a compute construct
 * through `deviceptr` (2.7.4); a data clause, an update or a host dereference of it fails
 * (exit 95: a GPU runtime would treat the device address as host memory). */
void *accrt_api_malloc(size_t n);
void accrt_api_free(void *p);
void *accrt_api_deviceptr(void *p);
void *accrt_api_hostptr(void *p);
void accrt_api_memcpy_to_device(void *dev, void *host, size_t n);
void accrt_api_memcpy_from_device(void *host, void *dev, size_t n);
#define acc_malloc accrt_api_malloc
#define acc_free accrt_api_free
#define acc_deviceptr accrt_api_deviceptr
#define acc_hostptr accrt_api_hostptr
#define acc_memcpy_to_device accrt_api_memcpy_to_device
#define acc_memcpy_from_device accrt_api_memcpy_from_device
#define acc_copyin accrt_api_copyin
#define acc_pcopyin accrt_api_copyin
#define acc_present_or_copyin accrt_api_copyin
#define acc_create accrt_api_create
#define acc_pcreate accrt_api_create
#define acc_present_or_create accrt_api_create
#define acc_copyout accrt_api_copyout
#define acc_delete accrt_api_delete
#define acc_update_device accrt_api_update_device
#define acc_update_self accrt_api_update_self
#define acc_is_present accrt_api_is_present

#ifdef __cplusplus
} /* extern "C" */
/* the identities of max and min reductions: the lowest and the highest value of the type
 * (an infinity where it has one), as ACCRT_MAXID/ACCRT_MINID give them in C */
template <class T> static inline T accrt_maxid(const T &) {
  return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                              : std::numeric_limits<T>::lowest();
}
template <class T> static inline T accrt_minid(const T &) {
  return std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity()
                                              : std::numeric_limits<T>::max();
}
#define ACCRT_MAXID(x) accrt_maxid(x)
#define ACCRT_MINID(x) accrt_minid(x)
#endif

#ifdef ACCRT_IMPL
accrt_state accrt_S;
__thread int accrt_tls_gang = -1;
__thread int accrt_tls_ngang = 0;
const char *accrt_cur_file;
int accrt_cur_line;
__attribute__((constructor(101))) static void accrt_ctor(void) { accrt_init(); }
void accrt_write_report(void) {
  accrt_state *S = &accrt_S;
  if (!S->report || !*S->report) return;
  FILE *f = fopen(S->report, "w");
  if (!f) return;
  fprintf(f, "{\"bytes_h2d\": %llu, \"bytes_d2h\": %llu, \"sites\": [", S->h2d, S->d2h);
  for (int i = 0; i < S->nsites; i++)
    fprintf(f, "%s{\"file\": \"%s\", \"line\": %d, \"h2d\": %llu, \"d2h\": %llu, \"count\": %llu}",
            i ? ", " : "", S->sites[i].file, S->sites[i].line, S->sites[i].h2d, S->sites[i].d2h,
            S->sites[i].count);
  fprintf(f, "], \"races\": [");
  for (int i = 0; i < S->nraces; i++) fprintf(f, "%s\"%s\"", i ? ", " : "", S->races[i]);
  fprintf(f, "], \"errors\": [");
  for (int i = 0; i < S->nerrors; i++) fprintf(f, "%s\"%s\"", i ? ", " : "", S->errors[i]);
  fprintf(f, "]}\n");
  fclose(f);
}
void accrt_init(void) {
  accrt_state *S = &accrt_S;
  if (S->inited) return;
  S->inited = 1;
  S->gangs = accrt_envi("ACCRT_GANGS", 2);
  S->lanes = accrt_envi("ACCRT_LANES", 2);
  S->order = accrt_envi("ACCRT_ORDER", 0);
  S->serial = accrt_envi("ACCRT_SERIAL", 0);
  S->unified = accrt_envi("ACCRT_UNIFIED", 0);
  S->poison = accrt_envi("ACCRT_POISON", 0xff) & 0xff;
  S->report = getenv("ACCRT_REPORT");
  if (S->gangs < 1) S->gangs = 1;
  if (S->lanes < 1) S->lanes = 1;
  omp_set_max_active_levels(8);
  omp_set_dynamic(0);
  atexit(accrt_write_report);
}
void accrt_fatal(int code, const char *msg) {
  /* one report: lanes of a compute region that fail together wait for the first one's exit */
  static int busy;
  static __thread int mine;
  if (!mine && __atomic_exchange_n(&busy, 1, __ATOMIC_ACQ_REL)) for (;;) pause();
  mine = 1;
  accrt_state *S = &accrt_S;
  fprintf(stderr, "accrt: %s\n", msg);
  if (S->nerrors < 2) {
    snprintf(S->errors[S->nerrors++], sizeof S->errors[0], "%s", msg);
    for (char *c = S->errors[S->nerrors - 1]; *c; c++) if (*c == '"' || *c == '\\') *c = '\'';
  }
  fflush(NULL);
  accrt_write_report();
  _exit(code);
}
accrt_site *accrt_site_of(const char *file, int line) {
  accrt_state *S = &accrt_S;
  for (int i = S->nsites - 1; i >= 0; i--)
    if (S->sites[i].line == line && S->sites[i].file == file) return &S->sites[i];
  for (int i = 0; i < S->nsites; i++)
    if (S->sites[i].line == line && strcmp(S->sites[i].file, file) == 0) return &S->sites[i];
  if (S->nsites >= 512) return &S->sites[511];
  accrt_site *s = &S->sites[S->nsites++];
  s->file = file; s->line = line; s->h2d = s->d2h = s->count = 0;
  return s;
}
accrt_entry *accrt_find(const void *p, size_t n, int partial) {
  accrt_state *S = &accrt_S;
  const char *c = (const char *)p;
  for (int i = S->ntab - 1; i >= 0; i--) {
    accrt_entry *e = &S->tab[i];
    if (c >= e->host && c + n <= e->host + e->bytes && (n || c < e->host + e->bytes))
      return e;
    if (partial && n && c < e->host + e->bytes && c + n > e->host) return e;
  }
  if (n == 0) /* one past the end of a mapped range (a pointer to the end of an array) */
    for (int i = S->ntab - 1; i >= 0; i--)
      if (c == S->tab[i].host + S->tab[i].bytes) return &S->tab[i];
  return NULL;
}
accrt_entry *accrt_find_dev(const void *p) {
  accrt_state *S = &accrt_S;
  const char *c = (const char *)p;
  for (int i = S->ntab - 1; i >= 0; i--)
    if (c >= S->tab[i].dev && c <= S->tab[i].dev + S->tab[i].bytes) return &S->tab[i];
  return NULL;
}
/* the device-only block (acc_malloc) that holds [p, p+n) in part (n == 0: holds p, one past
 * the end allowed), else NULL */
struct accrt_devblk *accrt_find_devmem(const void *p, size_t n) {
  accrt_state *S = &accrt_S;
  const char *c = (const char *)p;
  for (int i = S->ndevmem - 1; i >= 0; i--) {
    const char *b = S->devmem[i].p, *e = b + S->devmem[i].n;
    if (n ? (c < e && c + n > b) : (c >= b && c <= e)) return &S->devmem[i];
  }
  return NULL;
}
/* exit 95: a data clause, update or host access treats a device address as host memory */
static void accrt_devmem_fail(const char *what, const void *p, const char *text, int line) {
  char msg[300];
  snprintf(msg, sizeof msg, "%s line %d: device memory: %s%s%s (address %p) which is device "
           "memory (acc_malloc, acc_deviceptr): only deviceptr may name it, and only compute "
           "regions may dereference it (a GPU runtime would use it as a host address)",
           accrt_cur_file ? accrt_cur_file : "?", line, what, text ? " " : "", text ? text : "",
           p);
  accrt_fatal(95, msg);
}
static void accrt_devmem_check(const char *what, const void *p, size_t n, const char *text,
                               int line) {
  const char *c = (const char *)p;
  int dev = accrt_find_devmem(p, n) != NULL;
  for (int i = accrt_S.ntab - 1; !dev && !accrt_S.unified && i >= 0; i--)
    dev = c >= accrt_S.tab[i].dev && c < accrt_S.tab[i].dev + accrt_S.tab[i].bytes;
  if (dev) accrt_devmem_fail(what, p, text, line);
}
accrt_entry *accrt_alloc(void *p, size_t n, const char *name, int line) {
  accrt_state *S = &accrt_S;
  if (S->ntab == S->cap) {
    /* entries are referred to by index-stable pointers in scopes: grow by re-pointing scopes */
    int ncap = S->cap ? 2 * S->cap : 64;
    accrt_entry *nt = (accrt_entry *)malloc(ncap * sizeof *nt);
    if (S->ntab) memcpy(nt, S->tab, S->ntab * sizeof *nt);
    for (int i = 0; i < S->nscope; i++) S->scope[i].e = nt + (S->scope[i].e - S->tab);
    free(S->tab); S->tab = nt; S->cap = ncap;
  }
  accrt_entry *e = &S->tab[S->ntab++];
  e->host = (char *)p; e->bytes = n; e->sref = e->dref = 0; e->line = line;
  snprintf(e->name, sizeof e->name, "%s", name ? name : "?");
  if (S->unified) e->dev = (char *)p;
  else { e->dev = (char *)malloc(n ? n : 1); memset(e->dev, S->poison, n); /* poison: NaN / -1, or finite */ }
  return e;
}
void accrt_free_entry(accrt_entry *e) {
  accrt_state *S = &accrt_S;
  if (!S->unified) free(e->dev);
  int idx = (int)(e - S->tab);
  for (int i = 0; i < S->nscope; i++) {
    if (S->scope[i].e == e) S->scope[i].e = NULL;
    else if (S->scope[i].e && S->scope[i].e > e) S->scope[i].e--;
  }
  memmove(e, e + 1, (S->ntab - idx - 1) * sizeof *e);
  S->ntab--;
}
void accrt_push_scoped(accrt_entry *e, int kind) {
  accrt_state *S = &accrt_S;
  if (S->nscope == S->capscope) {
    S->capscope = S->capscope ? 2 * S->capscope : 64;
    S->scope = (accrt_scoped *)realloc(S->scope, S->capscope * sizeof *S->scope);
  }
  S->scope[S->nscope].e = e; S->scope[S->nscope].kind = kind; S->nscope++;
}

/* ---- host allocations (bounds of data clauses) ------------------------------------------ */
#include <search.h>
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
typedef struct { char *p; size_t n; } accrt_blk;
static void *accrt_heap_root;
static int accrt_heap_lock;
static __thread int accrt_heap_busy;
static int accrt_blk_cmp(const void *a, const void *b) {
  const accrt_blk *x = (const accrt_blk *)a, *y = (const accrt_blk *)b;
  size_t xn = x->n ? x->n : 1, yn = y->n ? y->n : 1;
  if (x->p + xn <= y->p) return -1;
  if (y->p + yn <= x->p) return 1;
  return 0; /* overlapping ranges compare equal: live blocks never overlap */
}
static void accrt_heap_enter(void) {
  while (__atomic_exchange_n(&accrt_heap_lock, 1, __ATOMIC_ACQUIRE)) { }
  accrt_heap_busy = 1; /* tsearch's own malloc calls are not tracked */
}
static void accrt_heap_leave(void) {
  accrt_heap_busy = 0;
  __atomic_store_n(&accrt_heap_lock, 0, __ATOMIC_RELEASE);
}
static void accrt_heap_add_locked(void *p, size_t n) {
  accrt_blk key = {(char *)p, n};
  void *f;
  while ((f = tfind(&key, &accrt_heap_root, accrt_blk_cmp)) != NULL) { /* freed unseen: stale */
    accrt_blk *old = *(accrt_blk **)f;
    tdelete(old, &accrt_heap_root, accrt_blk_cmp);
    __libc_free(old);
  }
  accrt_blk *b = (accrt_blk *)__libc_malloc(sizeof *b);
  if (b) { *b = key; tsearch(b, &accrt_heap_root, accrt_blk_cmp); }
}
static void accrt_heap_del_locked(void *p) {
  accrt_blk key = {(char *)p, 1};
  void *f = tfind(&key, &accrt_heap_root, accrt_blk_cmp);
  if (!f) return;
  accrt_blk *old = *(accrt_blk **)f;
  if (old->p != (char *)p) return;
  tdelete(old, &accrt_heap_root, accrt_blk_cmp);
  __libc_free(old);
}
static void *accrt_heap_add(void *p, size_t n) {
  if (!p || accrt_heap_busy) return p;
  accrt_heap_enter(); accrt_heap_add_locked(p, n); accrt_heap_leave();
  return p;
}
/* Not under ThreadSanitizer (--tsan): it must own malloc/free to see races (its shadow
 * memory follows its own allocator); there the heap table stays empty and no heap
 * section is checked (the emulated runs without --tsan check them). */
#if defined(__has_feature)
#  if __has_feature(thread_sanitizer) /* clang */
#    define ACCRT_TSAN 1
#  endif
#endif
#ifdef __SANITIZE_THREAD__ /* gcc */
#  define ACCRT_TSAN 1
#endif
#ifndef ACCRT_TSAN
void *malloc(size_t n) { return accrt_heap_add(__libc_malloc(n), n); }
void *calloc(size_t a, size_t b) {
  void *p = __libc_calloc(a, b);
  return p ? accrt_heap_add(p, a * b) : p;
}
void *memalign(size_t al, size_t n) { return accrt_heap_add(__libc_memalign(al, n), n); }
void *aligned_alloc(size_t al, size_t n) { return accrt_heap_add(__libc_memalign(al, n), n); }
int posix_memalign(void **out, size_t al, size_t n) {
  if (al < sizeof(void *) || (al & (al - 1))) return 22; /* EINVAL */
  void *p = __libc_memalign(al, n);
  if (!p) return 12; /* ENOMEM */
  *out = accrt_heap_add(p, n);
  return 0;
}
void free(void *p) {
  if (p && !accrt_heap_busy) { accrt_heap_enter(); accrt_heap_del_locked(p); accrt_heap_leave(); }
  __libc_free(p); /* after the block left the table: a new block at p is added afresh */
}
void *realloc(void *q, size_t n) {
  if (accrt_heap_busy) return __libc_realloc(q, n);
  accrt_heap_enter();
  void *p = __libc_realloc(q, n);
  if (p || n == 0) {
    if (q) accrt_heap_del_locked(q);
    if (p) accrt_heap_add_locked(p, n);
  }
  accrt_heap_leave();
  return p;
}
#endif /* ACCRT_TSAN */
static void accrt_bounds_fail(const void *p, size_t n, const void *obj, size_t objn,
                              const char *what, const char *text, int line) {
  char msg[300];
  long off = (long)((const char *)p - (const char *)obj);
  snprintf(msg, sizeof msg, "%s line %d: bounds: section '%s' covers bytes [%ld, %ld) of %s of "
           "%zu bytes: it reaches outside the array (a GPU would copy memory the program does "
           "not own)", accrt_cur_file ? accrt_cur_file : "?", line, text, off,
           off + (long)n, what, objn);
  accrt_fatal(96, msg);
}
void accrt_bounds_heap(const void *p, size_t n, const char *text, int line) {
  if (!n) return;
  accrt_blk key = {(char *)p, n}, b = {0, 0};
  accrt_heap_enter();
  void *f = tfind(&key, &accrt_heap_root, accrt_blk_cmp);
  if (f) b = **(accrt_blk **)f;
  accrt_heap_leave();
  if (f && !((const char *)p >= b.p && (const char *)p + n <= b.p + b.n))
    accrt_bounds_fail(p, n, b.p, b.n, "a heap block", text, line);
}
/* A section's length computed negative (b[1:n-2] with n < 2, a loop that runs no iteration)
 * converts to a huge size_t: a GPU runtime would try to map that many bytes (exit 96). */
static void accrt_length_check(size_t n, const char *text, int line) {
  char msg[300];
  if ((long)n >= 0) return;
  snprintf(msg, sizeof msg, "%s line %d: bounds: section '%s' has a negative length (%ld "
           "bytes): a GPU runtime would map far more memory than the program owns",
           accrt_cur_file ? accrt_cur_file : "?", line, text, (long)n);
  accrt_fatal(96, msg);
}
void accrt_bounds_obj(const void *p, size_t n, const void *obj, size_t objn, const char *text,
                      int line) {
  accrt_length_check(n, text, line);
  if (!n) return;
  const char *c = (const char *)p, *o = (const char *)obj;
  if (c < o || c + n > o + objn) accrt_bounds_fail(p, n, obj, objn, "an array", text, line);
}
void accrt_data(int kind, void *p, size_t n, int dynamic, const char *text, int line) {
  char msg[300];
  if (n == 0 || kind == ACCRT_DEVICEPTR) return;
  accrt_length_check(n, text, line);
  accrt_devmem_check("a data clause maps", p, n, text, line);
  accrt_bounds_heap(p, n, text, line);
  accrt_entry *e = accrt_find(p, n, 0);
  if (!e) {
    accrt_entry *o = accrt_find(p, n, 1);
    if (o) {
      snprintf(msg, sizeof msg, "line %d: '%s' is partly present (overlaps '%s' mapped at line %d)",
               line, text, o->name, o->line);
      accrt_fatal(97, msg);
    }
  }
  if (kind == ACCRT_PRESENT && !e) {
    snprintf(msg, sizeof msg, "line %d: present clause: '%s' is not on the device", line, text);
    accrt_fatal(97, msg);
  }
  if (kind == ACCRT_NO_CREATE && !e) return;
  if (!e) {
    e = accrt_alloc(p, n, text, line);
    if (kind == ACCRT_COPY || kind == ACCRT_COPYIN) accrt_move(e->dev, e->host, n, 1);
  }
  if (dynamic) e->dref++; else { e->sref++; accrt_push_scoped(e, kind); }
}
void accrt_exit_data(int kind, void *p, size_t n, int finalize, const char *text, int line) {
  (void)text; (void)line;
  if (n == 0) return;
  accrt_entry *e = accrt_find(p, n, 0);
  if (!e) return;
  if (finalize) e->dref = 0; else if (e->dref > 0) e->dref--;
  if (e->dref == 0 && e->sref == 0) {
    if (kind == ACCRT_COPYOUT) accrt_move(e->host, e->dev, e->bytes, 0);
    accrt_free_entry(e);
  }
}
void accrt_update(int to_device, void *p, size_t n, int if_present, const char *text, int line) {
  char msg[300];
  if (n == 0) return;
  accrt_length_check(n, text, line);
  accrt_devmem_check("an update names", p, n, text, line);
  accrt_bounds_heap(p, n, text, line);
  accrt_entry *e = accrt_find(p, n, 0);
  if (!e) {
    if (if_present) return;
    snprintf(msg, sizeof msg, "line %d: update: '%s' is not on the device", line, text);
    accrt_fatal(97, msg);
  }
  if (to_device) accrt_move((char *)accrt_devaddr(e, p), (const char *)p, n, 1);
  else accrt_move((char *)p, (const char *)accrt_devaddr(e, p), n, 0);
}
void accrt_begin(const char *file, int line) {
  accrt_state *S = &accrt_S;
  if (S->nmarks == S->capmarks) {
    S->capmarks = S->capmarks ? 2 * S->capmarks : 32;
    S->marks = (int *)realloc(S->marks, S->capmarks * sizeof *S->marks);
  }
  S->marks[S->nmarks++] = S->nscope;
  S->constructs++;
  accrt_cur_file = file; accrt_cur_line = line;
  accrt_site_of(file, line)->count++;
}
void accrt_end(const char *file, int line) {
  accrt_state *S = &accrt_S;
  accrt_cur_file = file; accrt_cur_line = line;
  int mark = S->nmarks ? S->marks[--S->nmarks] : 0;
  while (S->nscope > mark) {
    accrt_scoped sc = S->scope[--S->nscope];
    accrt_entry *e = sc.e;
    if (!e) continue;
    if (e->sref > 0) e->sref--;
    if (e->sref == 0 && e->dref == 0) {
      if (sc.kind == ACCRT_COPY || sc.kind == ACCRT_COPYOUT) accrt_move(e->host, e->dev, e->bytes, 0);
      accrt_free_entry(e);
    }
  }
}
void accrt_race(const char *name, int line) {
  accrt_state *S = &accrt_S;
  char buf[200];
  snprintf(buf, sizeof buf, "line %d: '%s' is shared by the lanes of a parallel loop and written "
           "by several iterations", line, name);
  #pragma omp critical(accrt_race)
  {
    int seen = 0;
    for (int i = 0; i < S->nraces; i++) if (strcmp(S->races[i], buf) == 0) seen = 1;
    if (!seen && S->nraces < 4) accrt_escape(S->races[S->nraces++], sizeof S->races[0], buf);
  }
}
void *accrt_api_copyin(void *p, size_t n) { accrt_data(ACCRT_COPYIN, p, n, 1, "acc_copyin", 0); return p; }
void *accrt_api_create(void *p, size_t n) { accrt_data(ACCRT_CREATE, p, n, 1, "acc_create", 0); return p; }
void accrt_api_copyout(void *p, size_t n) { accrt_exit_data(ACCRT_COPYOUT, p, n, 0, "acc_copyout", 0); }
void accrt_api_delete(void *p, size_t n) { accrt_exit_data(ACCRT_DELETE, p, n, 0, "acc_delete", 0); }
void accrt_api_update_device(void *p, size_t n) { accrt_update(1, p, n, 0, "acc_update_device", 0); }
void accrt_api_update_self(void *p, size_t n) { accrt_update(0, p, n, 0, "acc_update_self", 0); }
int accrt_api_is_present(void *p, size_t n) { return accrt_find(p, n, 0) != NULL; }
#include <sys/mman.h>
#include <signal.h>
/* Device-only blocks are pages of their own, inaccessible (PROT_NONE) while no compute region
 * runs: a host dereference faults, and the fault handler reports it (exit 95).  Not under
 * ThreadSanitizer (it owns the signals): there the blocks stay accessible. */
static size_t accrt_page(void) { long s = sysconf(_SC_PAGESIZE); return s > 0 ? (size_t)s : 4096; }
static void accrt_protect(struct accrt_devblk *b, int open) {
#ifndef ACCRT_TSAN
  mprotect(b->p, b->mapped, open ? PROT_READ | PROT_WRITE : PROT_NONE);
#else
  (void)b; (void)open;
#endif
}
void accrt_devmem_access(int open) {
  for (int i = 0; i < accrt_S.ndevmem; i++) accrt_protect(&accrt_S.devmem[i], open);
}
static struct sigaction accrt_old_segv;
static void accrt_segv(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  if (si && accrt_find_devmem(si->si_addr, 1) && !accrt_S.incompute)
    accrt_devmem_fail("host code (after this construct) dereferences an address", si->si_addr,
                      NULL, accrt_cur_line);
  sigaction(sig, &accrt_old_segv, NULL); /* not ours: the fault happens again, as before */
}
void *accrt_api_malloc(size_t n) {
  accrt_state *S = &accrt_S;
  if (n == 0) return NULL;
  size_t pg = accrt_page(), mapped = (n + pg - 1) / pg * pg;
  void *p = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  memset(p, S->poison, mapped); /* poison, as fresh device copies */
  if (!S->ndevmem && !S->capdevmem) {
#ifndef ACCRT_TSAN
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = accrt_segv; sa.sa_flags = SA_SIGINFO; sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &accrt_old_segv);
#endif
  }
  if (S->ndevmem == S->capdevmem) {
    S->capdevmem = S->capdevmem ? 2 * S->capdevmem : 16;
    S->devmem = (struct accrt_devblk *)realloc(S->devmem, S->capdevmem * sizeof *S->devmem);
  }
  struct accrt_devblk *b = &S->devmem[S->ndevmem++];
  b->p = (char *)p; b->n = n; b->mapped = mapped;
  if (!S->incompute) accrt_protect(b, 0);
  return p;
}
void accrt_api_free(void *p) {
  accrt_state *S = &accrt_S;
  if (!p) return;
  for (int i = 0; i < S->ndevmem; i++)
    if (S->devmem[i].p == (char *)p) {
      munmap(p, S->devmem[i].mapped);
      S->devmem[i] = S->devmem[--S->ndevmem];
      return;
    }
}
void *accrt_api_deviceptr(void *p) {
  accrt_entry *e = accrt_find(p, 0, 0);
  return e ? accrt_devaddr(e, p) : NULL;
}
void *accrt_api_hostptr(void *p) {
  accrt_entry *e = accrt_find_dev(p);
  return e ? e->host + ((char *)p - e->dev) : NULL;
}
/* copies between host memory and device memory (acc_malloc'd or a present range's copy) */
static char *accrt_dev_range(void *dev, size_t n, const char *what) {
  struct accrt_devblk *b = accrt_find_devmem(dev, n);
  if (b && (char *)dev + n <= b->p + b->n) return (char *)dev;
  accrt_entry *e = accrt_find_dev(dev);
  if (e && (char *)dev + n <= e->dev + e->bytes) return (char *)dev;
  accrt_devmem_fail(what, dev, "(not all of it)", accrt_cur_line);
  return NULL;
}
void accrt_api_memcpy_to_device(void *dev, void *host, size_t n) {
  if (!n) return;
  char *d = accrt_dev_range(dev, n, "acc_memcpy_to_device: destination");
  accrt_site *s = accrt_site_of(accrt_cur_file ? accrt_cur_file : "?", accrt_cur_line);
  accrt_S.h2d += n; s->h2d += n;
  accrt_devmem_access(1);
  memmove(d, host, n);
  if (!accrt_S.incompute) accrt_devmem_access(0);
}
void accrt_api_memcpy_from_device(void *host, void *dev, size_t n) {
  if (!n) return;
  char *d = accrt_dev_range(dev, n, "acc_memcpy_from_device: source");
  accrt_site *s = accrt_site_of(accrt_cur_file ? accrt_cur_file : "?", accrt_cur_line);
  accrt_S.d2h += n; s->d2h += n;
  accrt_devmem_access(1);
  memmove(host, d, n);
  if (!accrt_S.incompute) accrt_devmem_access(0);
}
void accrt_data_rows(int kind, void **rows, long nrows, size_t off, size_t rowbytes,
                             int dynamic, int exit_kind, const char *text, int line) {
  for (long r = 0; r < nrows; r++) {
    if (exit_kind) accrt_exit_data(exit_kind, (char *)rows[r] + off, rowbytes, 0, text, line);
    else accrt_data(kind, (char *)rows[r] + off, rowbytes, dynamic, text, line);
  }
  if (exit_kind) { accrt_exit_data(exit_kind == ACCRT_COPYOUT ? ACCRT_DELETE : exit_kind,
                                   rows, nrows * sizeof(void *), 0, text, line); return; }
  int pk = (kind == ACCRT_COPYOUT || kind == ACCRT_COPY) ? ACCRT_COPYIN : kind;
  if (kind == ACCRT_CREATE) pk = ACCRT_COPYIN;
  accrt_data(pk, rows, nrows * sizeof(void *), dynamic, text, line);
  accrt_entry *pe = accrt_find(rows, nrows * sizeof(void *), 0);
  if (!pe || accrt_S.unified) return;
  void **drows = (void **)accrt_devaddr(pe, rows);
  for (long r = 0; r < nrows; r++) {
    /* attach relative to the row's own mapped section [rows[r]+off, +rowbytes), biased where
     * it starts after the row's first element (OpenACC 3.3, 2.6.8): rows[r] itself may be
     * unmapped, or one past the end of the previous row's section when the rows lie in one
     * block (a lookup of rows[r] would attach the row into that section) */
    accrt_entry *re = accrt_find((char *)rows[r] + off, rowbytes, 0);
    if (re) drows[r] = accrt_devaddr(re, rows[r]);
  }
}
void *accrt_var(void *p, size_t n, int isptr, int cls, void *slot, int *kind, int construct,
                        int mode, const char *name, int line) {
  char msg[300];
  *kind = ACCRT_K_SHARED;
  accrt_entry *e = accrt_find(p, n, 0);
  if (!e && isptr) {
    void *v; memcpy(&v, p, sizeof v);
    accrt_entry *t = v ? accrt_find(v, 0, 0) : NULL;
    /* one past the end of another range is also where an array whose section starts later
     * begins (int c; int a[25]; ... copyin(c) copy(a[1:24])): the pointer's own binding first */
    if (t && (char *)v == t->host + t->bytes) t = NULL;
    for (int i = accrt_S.nbind - 1; !t && v && i >= 0; i--)
      if (accrt_S.bind[i].pp == p) {
        accrt_entry *b = accrt_find(accrt_S.bind[i].section, 0, 0);
        if (b && accrt_S.bind[i].section >= (const void *)v) {
          void *d = b->dev + ((char *)v - b->host);
          memcpy(slot, &d, sizeof d);
          *kind = ACCRT_K_FP;
          return slot;
        }
        break;
      }
  }
  if (e && isptr) {
    /* the pointer variable itself is on the device: what it holds is what the kernel uses */
    void *v; memcpy(&v, accrt_devaddr(e, p), sizeof v);
    if (v && !accrt_find_dev(v) && !accrt_find_devmem(v, 0)
        && !(accrt_S.unified && accrt_find(v, 0, 0))) {
      snprintf(msg, sizeof msg, "line %d: '%s' is a pointer mapped by itself (a data clause "
               "without a section): on the device it holds a host address", line, name);
      accrt_fatal(98, msg);
    }
  }
  int aggregate = (cls == 5 || cls == 12 || cls == 13 || cls == 14);
  if (!e && aggregate && !isptr) {
    /* A subarray of the array is present (a section in this or an enclosing clause): the array
     * appears in a data clause, so it has no implicit copy (OpenACC 3.3, 2.6.2), and the
     * region's references reach the present subarray through the array's address biased by
     * the section's start, as gcc maps an array section (a firstprivate base with a bias).
     * Only one present subarray can be the array's: two are partly present as before. */
    accrt_entry *b = NULL;
    const char *c = (const char *)p;
    for (int i = accrt_S.ntab - 1; i >= 0; i--) {
      accrt_entry *t = &accrt_S.tab[i];
      if (t->host >= c && t->host + t->bytes <= c + n) {
        if (b) { b = NULL; break; }
        b = t;
      }
    }
    if (b) e = b;
  }
  if (e) return accrt_devaddr(e, p);
  if (isptr) {
    void *v; memcpy(&v, p, sizeof v);
    *kind = ACCRT_K_FP;
    accrt_entry *t = v ? accrt_find(v, 0, 0) : NULL;
    if (t) { void *d = accrt_devaddr(t, v); memcpy(slot, &d, sizeof d); return slot; }
    /* device memory (acc_malloc, acc_deviceptr; deviceptr, 2.7.4): the address as it is */
    if (v && !accrt_find_dev(v) && !accrt_find_devmem(v, 0)) {
      /* a zero-length section of the pointer in this construct's own clause (copyin(p[i:0])):
       * the clause maps nothing and the loop runs no iteration; gcc maps the empty section
       * and the pointer is never dereferenced.  A null device address: a dereference still
       * faults (exit by signal).  An empty section on an earlier construct excuses nothing. */
      for (int i = accrt_S.nbind - 1; i >= 0; i--)
        if (accrt_S.bind[i].pp == p) {
          if (accrt_S.bind[i].empty && accrt_S.bind[i].construct == accrt_S.constructs) {
            void *d = accrt_S.unified ? v : NULL;
            memcpy(slot, &d, sizeof d);
            return slot;
          }
          break;
        }
      snprintf(msg, sizeof msg, "line %d: pointer '%s' used in a compute region points to host "
               "memory that is not on the device (no data clause maps it)", line, name);
      accrt_fatal(98, msg);
    }
    memcpy(slot, p, sizeof v);
    return slot;
  }
  if ((mode & ACCRT_M_DEFPRESENT) && aggregate) {
    snprintf(msg, sizeof msg, "line %d: default(present): '%s' is not on the device", line, name);
    accrt_fatal(97, msg);
  }
  if (aggregate || construct == ACCRT_KERNELS || (mode & ACCRT_M_RED)) {
    accrt_data(ACCRT_COPY, p, n, 0, name, line);
    return accrt_devaddr(accrt_find(p, n, 0), p);
  }
  *kind = ACCRT_K_FP;
  if (n > 256) return p;
  memcpy(slot, p, n);
  return slot;
}
void accrt_member_ptr(const void *slot, const char *name, int line) {
  char msg[300];
  void *v;
  accrt_entry *e = accrt_find_dev(slot);
  if (!e) return; /* p->x with p NULL or not on the device: not read here */
  memcpy(&v, slot, sizeof v);
  if (!v || accrt_find_dev(v) || accrt_find_devmem(v, 0)) return;
  /* attached with a bias (accrt_attach): the member's binding names the section, and the
   * device copy holds the biased address of what the host member points to */
  void **host = (void **)(e->host + ((const char *)slot - e->dev));
  for (int i = accrt_S.nbind - 1; i >= 0; i--)
    if (accrt_S.bind[i].pp == host) {
      if (accrt_attached(*host, accrt_S.bind[i].section) == v) return;
      break;
    }
  snprintf(msg, sizeof msg, "line %d: '%s' is a pointer member of a struct copied to the device "
           "(implicitly or by a clause): its device copy holds a host address (no section of it "
           "was attached to the struct's device copy)", line, name);
  accrt_fatal(98, msg);
}
void accrt_bind_ptr(void **pp, const void *section, size_t bytes) {
  /* The construct that maps p[lo:len] translates p to the device for its own region (OpenACC
   * 3.3, 2.7.1, 2.6.8), whatever earlier constructs bound: the table is kept least recently
   * bound first, so a full table drops an old binding, never one this construct just made.
   * (A binding renewed in place kept its first position: with the table full, the next new
   * pointer of the same construct evicted it -- a stack slot reused by another function's
   * pointer made the construct's own pointer look unmapped.) */
  accrt_state *S = &accrt_S;
  int i = 0;
  while (i < S->nbind && S->bind[i].pp != pp) i++;
  if (i == S->nbind && S->nbind == 64) i = 0; /* full: the least recently bound goes */
  if (i < S->nbind) {
    memmove(S->bind + i, S->bind + i + 1, (S->nbind - i - 1) * sizeof S->bind[0]);
    S->nbind--;
  }
  i = S->nbind++;
  S->bind[i].pp = pp;
  S->bind[i].section = section;
  S->bind[i].empty = bytes == 0;
  S->bind[i].construct = S->constructs;
}
#endif /* ACCRT_IMPL */
#endif /* ACCRT_H */
