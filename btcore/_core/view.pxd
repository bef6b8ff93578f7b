# The strategy-facing view of one exec bar, and its C-level readers for Cython strategies.
#
#     from btcore._core.view cimport RuntimeSnapshotView, ROLE_EXEC, ROLE_HTF
#
# RuntimeSnapshotView adds the Python API to SnapshotCore (btcore/_core/viewcore.pxd), which holds
# the fields, the invariants and the inline readers (c_close, c_ind, c_rollup, c_ready, _c_move).
from btcore._core.feedtables cimport ResolvedPath
from btcore._core.feedtables cimport ResolvedPath as _Spec  # the name the rule strategy cimports
from btcore._core.viewcore cimport ROLE_EXEC, ROLE_HTF, ROLE_MTF, ROLE_QUOTE, SnapshotCore


cdef class RuntimeSnapshotView(SnapshotCore):
    pass


cdef class PathHandle:
    cdef RuntimeSnapshotView _view       # the view it reads (moves with it); None until __init__ ran
    cdef ResolvedPath _spec              # the resolved path
    cdef str _path                       # the path string

    cdef int _check(self) except -1
    cdef double c_get(self) noexcept
