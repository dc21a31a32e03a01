"""Public pages: home, a round's page, how it works, accessibility."""
