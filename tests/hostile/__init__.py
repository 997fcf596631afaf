"""A corpus of hostile submissions for the grader tests (notebook generators and malformed files)."""
