"""Turning transcripts into ledger rows, and ledger rows into reports and snapshots (no threads)."""
