"""The `claude-tray` command line: argument parsing, the commands, and printing their results.

The CLI never imports pystray, Pillow or plyer (only the tray command does, lazily).
"""
