"""Review exports: progress on goals and certifications, gathered per person for a performance review.

``data`` holds the typed, database-free shape of an export; ``formats`` renders it as CSV, JSON, XLSX or PDF.
"""
