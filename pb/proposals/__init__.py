"""Project ideas: the public list and pages, residents' forms, and the staff review queue."""
