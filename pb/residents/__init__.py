"""Residents: registration, voting codes, their own account, and the staff pages about them."""
