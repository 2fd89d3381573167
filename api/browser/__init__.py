"""The Neo4j Browser guide (``guide.html``) and style sheet (``style.grass``) for analysts, and their generator.

Both files are built from the ontology by ``build.py`` (``python -m api.browser.build``) and served by
``api.routes.browser``; docs/browser.md says how to open them in the Browser.
"""
