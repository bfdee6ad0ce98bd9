"""Batch scoring job of ${{ values.name }} (run with: python -m job.score)."""
