"""The `schedule` command: nightly audits of every site, one at a time, under a lock."""
