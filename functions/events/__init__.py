"""Engagement in: events of the email and sequence engines become timelines, counters, scores and suppressions."""
