"""A support centre's own small certificate authority (see :mod:`evidencekit.org.ca`)."""
