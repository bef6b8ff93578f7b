"""Compiled core of btcore (Cython). Import through :mod:`btcore`, not from here."""
