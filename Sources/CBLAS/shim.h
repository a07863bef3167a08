#ifndef AUGBENCH_CBLAS_SHIM_H
#define AUGBENCH_CBLAS_SHIM_H
#include <cblas.h>

// OpenBLAS exports LAPACK's Fortran symbols but Debian ships no lapacke.h / lapack.h, so the few routines
// AugBench uses are declared here. All arguments are passed by pointer, column-major storage.

/// Symmetric eigendecomposition, divide and conquer (Float64).
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info);

/// Cholesky factorisation of a symmetric positive definite matrix (Float64); info > 0 when it is not.
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);

/// Number of threads OpenBLAS may use (declared in cblas.h of OpenBLAS as well; repeated for clarity).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif
