"""The Class page's parts (issue 24): who may start a class and the teacher's link (access), joining
and the student's side (join), the join code for the board (board), the live dashboard (live: roster
and runs; results: the class's picture and the groups' curves; run_view: one run opened), leading the
lesson (leading), quick checks (checks) and the export (export)."""
