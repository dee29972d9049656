"""The OS edges, each behind a small interface: notifications, start at login, opening files.

Which OS this is gets decided in `platform` only; the rest asks it.
"""
