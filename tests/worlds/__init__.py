"""Test data builders, one module per world they build.

- `enterprise`: `enterprise_world(manager, tag)`, one enterprise run by `manager`
  with offers, a proposal, placements and attendance (the enterprise side's tests).
- `access`: `build_world()`, every role and one object of each kind on both sides
  of every scope line (the permission matrix and the canary).
- `statistics`: `build_small()`, a hand-counted data set whose funder figures the
  report tests check cell by cell; `build_scaled(n)`, n blocks of it for size.
"""
