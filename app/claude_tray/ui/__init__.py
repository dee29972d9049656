"""The tray's face: the icon image, the menu and the pystray icon (pystray + Pillow only).

pystray is imported lazily (it connects to the display at import time), only by `tray`.
"""
