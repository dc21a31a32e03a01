"""Results: counting a closed round (staff), and the published results, open data and receipt checker."""
