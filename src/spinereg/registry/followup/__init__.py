"""Follow-up schedule items: one per episode and visit, each with its window."""
