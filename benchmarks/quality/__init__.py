"""Out-of-the-box replication quality study (issue 14)."""
