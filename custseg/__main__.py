from custseg.cli import main

raise SystemExit(main())
