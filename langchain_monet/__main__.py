"""`python -m langchain_monet ...` is the `monet` command."""

from langchain_monet.cli import main

raise SystemExit(main())
