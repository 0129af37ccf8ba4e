"""The photo engine: pure Python (no Django), usable from the CLI, tasks and benchmarks.

- ``standards``: photo standards as typed data (``data/standards.yaml``)
- ``intake``: cheap header checks, safe decoding, normalisation, metadata stripping
- ``detect``: face detectors behind one protocol (dlib HOG + 5 points by default)
- ``analyse``: landmarks, head geometry and the OFIQ-style quality report
- ``derive`` / ``verify``: document photos for every standard, independently re-measured
- ``pipeline``: all of it for one upload
"""
