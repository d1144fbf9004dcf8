"""The report's sections, one builder per module: each takes the analysis dataset and returns
a filled `Section`, or raises AnalyticsError / RuleViolation for the runner to show."""
