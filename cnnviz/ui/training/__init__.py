"""The Training page's parts: the set-up form, a run's results, and the course's figures beside ours."""
