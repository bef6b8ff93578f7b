# cython: auto_pickle=False
"""Immutable arrays for the compiled core to point into: numpy memory behind a read-only buffer.

:func:`frozen` copies (and converts) an array into memory that a private :class:`_Owner` holds
and shows to numpy read-only. The returned array's base is that owner, and nothing reachable from Python
leads past it to the memory: numpy refuses to make the array (or any view of it) writeable, since
its base gives no writable buffer, and to resize it, since it does not own its memory. The memory
comes from numpy's allocator (large arrays get transparent huge pages), so building a feed costs
one pass over each column. The pure twin (``btcore._pure._owned``) uses an immutable ``bytes``
object instead, which numpy treats the same way.
"""

cimport cython

import numpy as np

__all__ = ["frozen", "OWNER_TYPES"]

cdef char _EMPTY[1]


@cython.final
cdef class _Owner:
    # The memory of one frozen array: a private numpy uint8 array, shown to numpy read-only
    # through __array_interface__ (no buffer protocol: nothing to get a writable buffer from).
    cdef object _memory          # np.ndarray[uint8]; never handed out
    cdef char* _data             # its data pointer
    cdef Py_ssize_t _shape[1]    # number of bytes

    @property
    def __array_interface__(self):
        # numpy keeps the object that gave the interface as the base: the owner itself. (A
        # buffer-protocol exporter would be kept through a memoryview, which a caller may
        # release, freeing the owner under the array.)
        return {"shape": (self._shape[0],), "typestr": "|u1", "data": (<Py_ssize_t>self._data, True),
                "version": 3}


def frozen(a, dtype=None, add=0):
    """A C-contiguous copy of ``a`` (converted to ``dtype``, plus ``add``) that can be made
    neither writeable nor resized (its base is a private read-only owner)."""
    cdef unsigned char[::1] mv
    cdef _Owner owner = _Owner.__new__(_Owner)
    src = np.asarray(a)
    dt = np.dtype(src.dtype if dtype is None else dtype)
    if not dt.isnative:
        dt = dt.newbyteorder("=")
    nbytes = src.size * dt.itemsize
    memory = np.empty(nbytes, dtype=np.uint8)
    out = memory.view(dt).reshape(src.shape)
    if add:
        np.add(src, add, out=out, casting="unsafe")
    else:
        np.copyto(out, src, casting="unsafe")
    owner._memory = memory
    if nbytes:
        mv = memory
        owner._data = <char*>&mv[0]
    else:
        owner._data = _EMPTY
    owner._shape[0] = nbytes
    return np.asarray(owner).view(dt).reshape(src.shape)  # base chain ends at the owner


#: Types a frozen array's base chain may end in.
OWNER_TYPES = (bytes, _Owner)
