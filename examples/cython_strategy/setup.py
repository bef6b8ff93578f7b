"""Build the example strategy against the INSTALLED btcore (its .pxd files ship in the wheel).

    pip install btcore cython setuptools
    python setup.py build_ext --inplace

The only btcore-specific part is the include path, ``btcore.get_include()``: the directory that
contains the installed ``btcore`` package, so that ``cimport btcore._core.view`` finds
``btcore/_core/view.pxd``.
"""

import os

import btcore
from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    name="btcore-example-strategy",
    ext_modules=cythonize(
        [Extension("strategy", [os.path.join(os.path.dirname(os.path.abspath(__file__)), "strategy.pyx")])],
        include_path=[btcore.get_include()],
        compiler_directives={"language_level": 3},
    ),
)
