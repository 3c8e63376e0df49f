"""The Training page's parts: the set-up form, the one-click experiments, the runs (a run's results, the
comparison) and the course's figures beside ours."""
