"""Plain-Python rules of a funding round: phases, money, postcodes, eligibility.

Nothing here imports Flask or SQLAlchemy, so the rules can be tested on their own
and shared by services, forms and templates.
"""
