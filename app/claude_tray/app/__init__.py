"""The composition root of the tray: `tray_app.run_tray` builds and runs everything."""
