"""Files and SQLite: where things live, the config, the ledger, the app's own state."""
