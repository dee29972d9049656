"""Tests of the usage report, its charts and the history commands."""
