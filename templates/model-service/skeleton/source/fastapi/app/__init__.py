"""FastAPI chat service of ${{ values.name }} (app.main:app)."""
