"""The tray's moving parts: the file watcher and the engine thread (the one writer).

Importing this package imports nothing heavy; import the modules you need.
"""
