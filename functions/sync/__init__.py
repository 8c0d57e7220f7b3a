"""Scheduled CRM syncs and Apollo search: external records become ImportJobs like any other."""
