# One place for the C types every compiled module uses.
from libc.stdint cimport int64_t, int32_t, int8_t

ctypedef double float64_t     # prices, volumes, indicators: always float64 (float32 indicators compared with float64 prices round differently)
ctypedef int64_t ms_t         # epoch milliseconds, UTC
ctypedef Py_ssize_t intp_t    # array indices
