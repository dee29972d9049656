from claude_tray.cli.main import main

raise SystemExit(main())
