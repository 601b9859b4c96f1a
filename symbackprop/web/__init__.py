"""The student checker as a web application: ``symbackprop serve``.

- :mod:`.app` — the Starlette application (pages and JSON API); :mod:`.server` runs it under uvicorn;
- :mod:`.networks`, :mod:`.requests` — what a request may ask for, validated and bounded;
- :mod:`.variants` — a homework's per-student variants, and the one function that checks a part;
- :mod:`.store` — every check recorded in SQLite, and the export to ``symbackprop grade``;
- :mod:`.explore`, :mod:`.blocks` — a network's derivation as the documents print it, for the page;
- ``static/`` — the pages, with KaTeX and MathLive vendored from npm (``static/vendor/README.md``).

Importing this package imports nothing else (the command line stays fast); import the modules.
"""
