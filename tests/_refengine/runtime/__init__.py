from btcore.compat import install; install(__name__)
