"""Reads that several pages share: the dashboard, deadlines, a commitment's history."""
